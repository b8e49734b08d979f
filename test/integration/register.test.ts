// register on a real lab host: a registered result describes its own task only (no rc leaks from an earlier
// command), and in --check a condition or argument reading what a task that did not run would have printed
// is conditional, with the reason, where apply then changes: never a guessed skip or a failure.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson, type ReportTask } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('register');
const PB = 'test/fixtures/playbooks/register.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];

useLab(test, 'rg', 1, (l, s) => { lab = l; ssh = s; });

const byName = (tasks: ReportTask[]) => Object.fromEntries(tasks.map((t) => [t.task, t]));

test('check: what a task that did not run would print is not known; apply agrees on everything else', async () => {
  const check = await applyJson([PB, '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const c = byName(check.report.hosts['rg-1'].tasks);
  assert.is(c.probe.status, 'changed');
  assert.is(c.quiet.status, 'ok');
  assert.is(c['record quiet'].status, 'changed', 'quiet ran no step in either mode: its result is known');
  assert.is(c['when on probe rc'].status, 'conditional');
  assert.match(c['when on probe rc'].error!, /reads probe\.rc, which check mode cannot know/);
  assert.is(c['from probe stdout'].status, 'conditional');
  assert.match(c['from probe stdout'].error!, /reads probe\.stdout, which check mode cannot know/);
  assert.is(c['reads the file it may write'].status, 'conditional', 'its file is one the task before may write');
  assert.is(c['probe changed'].status, 'changed', 'whether probe changes is known');
  assert.is(c.chained.status, 'conditional', 'a conditional task\'s own `changed` is not known');
  assert.match(c.chained.error!, /reads out\.changed/);

  const run = await applyJson([PB], lab.inventory);
  assert.is(run.code, 0, run.raw);
  const a = byName(run.report.hosts['rg-1'].tasks);
  for (const name of Object.keys(c)) {
    if (c[name].status !== 'conditional') assert.is(a[name].status, c[name].status, name);
    else assert.ok(['changed', 'ok'].includes(a[name].status), name);
  }
  assert.is(await sh(ssh[0], 'cat /root/rg-rc-zero /root/rg-probe-out /root/rg-probe-changed /root/rg-chained'), 'rc zero\nprobed\ntail\nchanged=True\nTrue'); // "{{ out.changed }}\n" is the boolean: no newline (as Ansible writes it)
  assert.equal(JSON.parse(await sh(ssh[0], 'cat /root/rg-quiet.json')), { changed: false, failed: false, skipped: false });
});

test('a task that ran no step registers its own result: no rc or stdout of the command before it', async () => {
  const r = await applyJson(['test/fixtures/playbooks/register-own.yml'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(JSON.parse(await sh(ssh[0], 'cat /root/rg-own.json')), { changed: false, failed: false, skipped: false });
});

test.run();
