// authorized_key on real lab hosts, with real Ansible (ansible.posix) as the oracle: provision applies the playbook
// on ak-1, ansible-playbook on ak-2; the same statuses, the same files left (bytes, owner, group, mode of each
// authorized_keys and ~/.ssh, the file elsewhere and the link to it), a second run as Ansible's second, and --check
// equal to the apply after it. The users are made first on their own (--tags users): before them, --check cannot
// know their homes (the key tasks are conditional); after them, every status is exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('authorized_key against ansible-playbook');
const PB = 'test/fixtures/playbooks/authorized-key.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ak', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['ak-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const PATHS = ['/home/ak-deploy/.ssh', '/home/ak-deploy/.ssh/authorized_keys', '/home/ak-ops/.ssh', '/home/ak-ops/.ssh/authorized_keys',
  '/etc/ssh/ak-keys', '/etc/ssh/ak-keys/ak-ops'];
const left = async (s: SshConnection) => ({
  files: await filesOn(s, PATHS),
  text: await sh(s, 'for f in /home/ak-deploy/.ssh/authorized_keys /home/ak-ops/.ssh/authorized_keys /etc/ssh/ak-keys/ak-ops; do echo "== $f"; cat "$f"; done; readlink /etc/ssh/ak-link'),
});

test('fresh --check: the key tasks conditional until the users are there', async () => {
  const check = await applyJson([PB, '--limit', 'ak-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const keyTasks = check.report.hosts['ak-1'].tasks.filter((t) => t.task !== 'the users' && t.task !== 'a link to it');
  assert.equal(keyTasks.filter((t) => t.status !== 'conditional').map((t) => t.task), [], 'a home not made yet cannot be read');
});

test('check, apply, apply again: as ansible-playbook, the same files', async () => {
  const users = await applyJson([PB, '--limit', 'ak-1', '--tags', 'users'], lab.inventory);
  assert.is(users.code, 0, users.raw);
  const check = await applyJson([PB, '--limit', 'ak-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'ak-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ak-2');
  assert.is(theirs.code, 0, theirs.raw);
  // The users: made before by provision (ok), by Ansible now (changed).
  assert.equal(asOracle(first.report.hosts['ak-1'].tasks).slice(1), theirs.tasks.slice(1));
  const [mine, their] = await Promise.all(ssh.map(left));
  assert.equal(mine, their);
  assert.is(mine.text, '== /home/ak-deploy/.ssh/authorized_keys\n'
    + 'no-port-forwarding,from="10.0.0.1" ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGNhcm9s \n'
    + 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Ym9ia2V5Ym9ia2V5Ym9ia2V5Ym9ia2V5 bob (desk)\n'
    + '== /home/ak-ops/.ssh/authorized_keys\necdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGNhcm9s \n'
    + '== /etc/ssh/ak-keys/ak-ops\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMh0bGFiYWxpY2VrZXkxMjM0NTY3ODkwYWJjZGVm alice@laptop\n'
    + 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Ym9ia2V5Ym9ia2V5Ym9ia2V5Ym9ia2V5 bob@desk\n/etc/ssh/ak-keys/ak-ops\n');
  assert.match(mine.files['/home/ak-deploy/.ssh'], /^ak-deploy:ak-deploy 700 /);
  assert.match(mine.files['/home/ak-deploy/.ssh/authorized_keys'], /^ak-deploy:ak-deploy 600 /);
  assert.match(mine.files['/etc/ssh/ak-keys'], /^root:root 755 /);
  const second = await applyJson([PB, '--limit', 'ak-1'], lab.inventory);
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'ak-2');
  assert.equal([second.code, theirSecond.code], [0, 0], second.raw);
  assert.equal(asOracle(second.report.hosts['ak-1'].tasks), theirSecond.tasks);
  assert.equal(second.report.hosts['ak-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['a first key', 'two keys at once, one already there', 'a comment replaced', 'a key removed', 'keys in a loop', 'only carol'], 'what the play undoes itself is done again');
  assert.equal(await left(ssh[0]), mine);
});

test.run();
