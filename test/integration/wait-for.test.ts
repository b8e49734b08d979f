// wait_for on real lab hosts, with real Ansible as the oracle: provision applies test/fixtures/playbooks/wait_for.yml
// on wf-1, ansible-playbook on wf-2; a log line and a server that come two seconds later, a port stopped and
// drained, a path absent, a timeout with its msg (failed, ignored), twice: the same statuses and the same files
// written from what each wait registered. Under --check both skip every wait_for (Ansible's does not support check
// mode) and what reads its result: provision's --check says what ansible-playbook --check says.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('wait_for against ansible-playbook');
const PB = 'test/fixtures/playbooks/wait_for.yml';
const FILES = '/tmp/wf-matched.txt /tmp/wf-port.txt /tmp/wf-timeout.txt';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'wf', 2, (l, s) => { lab = l; ssh = s; });

test('two runs and --check: the statuses of ansible-playbook, the same registered results', async () => {
  for (const run of [1, 2]) {
    const [r, theirs] = await Promise.all([applyJson([PB, '--limit', 'wf-1'], lab.inventory), ansiblePlaybook(PB, lab.inventory, 'wf-2')]);
    assert.is(r.code, 0, r.raw);
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['wf-1'].tasks), theirs.tasks, `run ${run}`);
    const failed = r.report.hosts['wf-1'].tasks.find((t) => t.task === 'a timeout, with its msg')!;
    assert.is(failed.status, 'failed');
    assert.ok(failed.ignored);
    const [mine, their] = await Promise.all(ssh.map((s) => sh(s, `cat ${FILES}`)));
    assert.is(mine, their, `run ${run}: what the waits registered`);
    assert.is(mine, '8711 web file /tmp/wf.log\n8711 started  True 0\nnothing listens on 8798\n');
  }
  const [check, theirs] = await Promise.all([applyJson([PB, '--limit', 'wf-1', '--check'], lab.inventory), ansiblePlaybook(PB, lab.inventory, 'wf-2', ['--check'])]);
  assert.is(check.code, 0, check.raw);
  const WAITS = ['wait for the log line', 'wait for the port', 'a port nobody listens on is stopped', 'and drained', 'wait for it to be absent',
    'a timeout, with its msg', 'only a delay'];
  const waits = check.report.hosts['wf-1'].tasks.filter((t) => WAITS.includes(t.task));
  assert.ok(waits.length === WAITS.length && waits.every((t) => t.status === 'skipped'), JSON.stringify(waits));
  // The commands: Ansible skips a command without creates/removes in check mode, provision predicts it changed.
  const commands = (t: { task: string }) => !t.task.startsWith('a log line') && !t.task.startsWith('a web server');
  assert.equal(asOracle(check.report.hosts['wf-1'].tasks).filter(commands), theirs.tasks.filter(commands));
});

test.run();
