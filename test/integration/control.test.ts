// Task and block vars, changed_when, failed_when and a loop's registered results on real lab hosts, with real
// Ansible as the oracle: the same playbook applied by provision to one host and by ansible-playbook to another
// gives the same statuses, first and second time, and the same files (contents, owner, mode).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('control: vars, changed_when, failed_when');
const PB = 'test/fixtures/playbooks/control.yml';
const FILES = ['/root/ctl-vars', '/root/ctl-block', '/root/ctl-own', '/root/ctl-when', '/root/ctl-unused', '/root/ctl-results', '/root/ctl-omit'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ct', 2, (l, s) => { lab = l; ssh = s; });

const ours = async (args: string[] = []) => {
  const r = await applyJson([PB, '--limit', 'ct-1', ...args], lab.inventory);
  assert.is(r.code, 0, r.raw);
  return r.report.hosts['ct-1'].tasks.map((t) => ({ task: t.task, status: t.status, ignored: !!t.ignored, error: t.error }));
};

test('check mode: changed_when false is known; a rule over a result check mode cannot know is conditional', async () => {
  const t = await ours(['--check']);
  assert.equal(t.map((x) => x.status), ['changed', 'changed', 'changed', 'skipped', 'changed', 'ok', 'conditional', 'conditional', 'ok', 'conditional', 'conditional']);
  assert.match(t[6].error!, /changed_when\/failed_when reads three\.rc, which check mode cannot know/);
  assert.match(t[9].error!, /reads echoes\.results\[0\]\.stdout/);
  assert.equal(Object.values(await filesOn(ssh[0], FILES)), FILES.map(() => 'absent'));
});

test('an extra var beats a task var, as in Ansible', async () => {
  const r = await applyJson([PB, '--limit', 'ct-1', '--check', '--diff', '-e', 'greeting=cli'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.match(r.report.hosts['ct-1'].tasks[0].diff!, /\+cli CLI\n/);
});

test('apply: the statuses and files of ansible-playbook on another host, first and second run', async () => {
  for (const run of ['first', 'second']) {
    const mine = await ours();
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'ct-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(mine.map(({ task, status, ignored }) => ({ task, status, ignored })), theirs.tasks, `${run} run`);
    assert.ok(mine.find((x) => x.task === 'fail on what it printed')!.ignored);
    if (run === 'first') {
      assert.equal(mine.map((x) => x.status), ['changed', 'changed', 'changed', 'skipped', 'changed', 'ok', 'ok', 'failed', 'ok', 'changed', 'changed']);
    } else {
      assert.not.ok(mine.some((x) => x.status === 'changed'), 'a second apply changes nothing');
    }
  }
  const [a, b] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(a, b);
  assert.is(a['/root/ctl-when'], 'absent');
  const text = await ssh[0].exec('cat /root/ctl-vars /root/ctl-block /root/ctl-own /root/ctl-results');
  assert.is(text.stdout, 'task TASK\ndark blue\nred dark red\na,b b 3 1 2\n');
});

test('until, retries, delay: attempts as ansible-playbook makes them; in --check an until over output is conditional', async () => {
  const UNTIL = 'test/fixtures/playbooks/until.yml';
  const check = await applyJson([UNTIL, '--limit', 'ct-1', '--check'], lab.inventory);
  assert.equal(check.report.hosts['ct-1'].tasks.map((t) => t.status), ['conditional', 'conditional', 'conditional']);
  assert.match(check.report.hosts['ct-1'].tasks[0].error!, /until reads tries\.stdout, which check mode cannot know/);
  await Promise.all(ssh.map((s) => s.exec('rm -f /root/ctl-tries /root/ctl-until')));
  const r = await applyJson([UNTIL, '--limit', 'ct-1'], lab.inventory);
  const theirs = await ansiblePlaybook(UNTIL, lab.inventory, 'ct-2');
  assert.equal(asOracle(r.report.hosts['ct-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map(async (s) => (await s.exec('cat /root/ctl-tries /root/ctl-until')).stdout));
  assert.is(a, '3\n3 1\n', 'Ansible counts the attempts of an until that never held as its retries');
  assert.is(b, a);
});

test('environment at play, block and task level: the inner wins, as under ansible-playbook', async () => {
  const ENV = 'test/fixtures/playbooks/environment.yml';
  for (const run of ['first', 'second']) {
    const r = await applyJson([ENV, '--limit', 'ct-1'], lab.inventory);
    const theirs = await ansiblePlaybook(ENV, lab.inventory, 'ct-2');
    assert.equal(asOracle(r.report.hosts['ct-1'].tasks), theirs.tasks, run);
  }
  const [a, b] = await Promise.all(ssh.map(async (s) => (await s.exec('cat /root/ctl-env')).stdout));
  assert.is(a, 'from the play|task|from a template\n');
  assert.is(b, a);
});

test('ignore_errors as a template, judged when the task runs, as under ansible-playbook', async () => {
  const IE = 'test/fixtures/playbooks/ignore-errors.yml';
  const r = await applyJson([IE, '--limit', 'ct-1'], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const theirs = await ansiblePlaybook(IE, lab.inventory, 'ct-2');
  const mine = asOracle(r.report.hosts['ct-1'].tasks);
  assert.equal(mine, theirs.tasks);
  assert.equal(mine.map((t) => [t.status, t.ignored]), [['failed', true], ['failed', false]]);
});

test.run();
