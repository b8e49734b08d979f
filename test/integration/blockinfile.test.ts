// blockinfile on real lab hosts, with real Ansible as the oracle: provision applies the playbook on bi-1,
// ansible-playbook on bi-2; the same statuses, the same files (bytes, owner, mode), a second run with nothing
// changed, and --check (on a fresh host, and on the converged one) equal to the apply after it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('blockinfile against ansible-playbook');
const PB = 'test/fixtures/playbooks/blockinfile.yml';
const FILES = ['/root/bi-conf', '/root/bi-new', '/root/bi-dir', '/root/bi-dir/sub', '/root/bi-dir/sub/new.conf'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'bi', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['bi-1'].tasks.map((t) => `${t.task}: ${t.status}`);

test('check, apply, apply again, check: as ansible-playbook, the same bytes', async () => {
  const check = await applyJson([PB, '--limit', 'bi-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const first = await applyJson([PB, '--limit', 'bi-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'bi-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['bi-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(mine, their);
  assert.match(mine['/root/bi-conf'], /^root:root 640 /);
  const second = await applyJson([PB, '--limit', 'bi-1'], lab.inventory);
  assert.is(second.report.hosts['bi-1'].changed, 0);
  assert.equal(asOracle(second.report.hosts['bi-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'bi-2')).tasks);
  const again = await applyJson([PB, '--limit', 'bi-1', '--check'], lab.inventory);
  assert.equal(statuses(again), statuses(second));
});

test.run();
