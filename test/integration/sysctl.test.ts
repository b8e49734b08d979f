// sysctl on real lab hosts, with real Ansible (ansible.posix) as the oracle: provision applies the playbook on sy-1,
// ansible-playbook on sy-2; the same statuses, the same files left (/etc/sysctl.conf rewritten as Ansible rewrites
// it, a file of /etc/sysctl.d made and edited: bytes, owner, mode), a second run as Ansible's second, and --check
// on a fresh host equal to the apply after it. Lab hosts have /proc/sys read-only, so the playbook uses
// reload: false (sysctl_set stays false): only the file part is shown here; reload and sysctl_set are planned in
// the fixture cases, and decided as Ansible's module decides them in test/unit/sysctl.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('sysctl against ansible-playbook');
const PB = 'test/fixtures/playbooks/sysctl.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'sy', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['sy-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const FILES = ['/etc/sysctl.conf', '/etc/sysctl.d/90-sy.conf'];

test('check, apply, apply again: as ansible-playbook, the same files', async () => {
  const check = await applyJson([PB, '--limit', 'sy-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'sy-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'sy-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['sy-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(mine, their);
  const text = await Promise.all(ssh.map((s) => sh(s, `cat ${FILES.join(' ')}`)));
  assert.is(text[0], text[1]);
  assert.match(text[0], /\nvm\.swappiness=20\nnet\.ipv4\.ip_forward=1\nnet\.ipv4\.tcp_rmem=4096 87380 6291456\nvm\.overcommit_memory=1\n$/);
  assert.match(mine['/etc/sysctl.d/90-sy.conf'], /^root:root 644 /);
  const second = await applyJson([PB, '--limit', 'sy-1'], lab.inventory);
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'sy-2');
  assert.equal([second.code, theirSecond.code], [0, 0], second.raw);
  assert.equal(asOracle(second.report.hosts['sy-1'].tasks), theirSecond.tasks);
  assert.equal(second.report.hosts['sy-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['a key into sysctl.conf', 'a file of sysctl.d', 'the first removed', 'the swappiness changed'], 'what the play undoes itself is done again');
});

test.run();
