// check_mode per task on real lab hosts, with real Ansible as the oracle: check_mode: false runs a task for real
// in --check (a command that reads, whose output is then known; a write that happens), check_mode: true only
// simulates a task even in an apply. provision on one host and ansible-playbook on another: the same statuses in
// --check and in the apply after it, and the same files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('check_mode');
const PB = 'test/fixtures/playbooks/check-mode.yml';
const FILES = ['/root/cm-version', '/root/cm-real', '/root/cm-simulated'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ck', 2, (l, s) => { lab = l; ssh = s; });

const ours = async (args: string[]) => {
  const r = await applyJson([PB, '--limit', 'ck-1', ...args], lab.inventory);
  assert.is(r.code, 0, r.raw);
  return r.report.hosts['ck-1'].tasks;
};

test('--check, then apply: the statuses of ansible-playbook; check_mode: false wrote, check_mode: true did not', async () => {
  const check = await ours(['--check']);
  assert.equal(check.map((t) => t.status), ['ok', 'changed', 'changed', 'changed']);
  assert.match(check[1].changes.join('\n'), /write \/root\/cm-version/, 'what the command printed is known: the write is planned, not conditional');
  const theirsCheck = await ansiblePlaybook(PB, lab.inventory, 'ck-2', ['--check']);
  assert.equal(asOracle(check), theirsCheck.tasks, '--check');
  assert.equal(Object.values(await filesOn(ssh[0], FILES)).map((f) => f === 'absent'), [true, false, true]);
  const apply = await ours([]);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ck-2');
  assert.equal(asOracle(apply), theirs.tasks, 'apply');
  assert.equal(apply.map((t) => t.status), ['ok', 'changed', 'ok', 'changed']);
  const [a, b] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(a, b);
  assert.is(a['/root/cm-simulated'], 'absent');
  assert.match(await sh(ssh[0], 'cat /root/cm-version'), /^debian \d+\.\d+\n$/);
});

test.run();
