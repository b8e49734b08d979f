// Task and block vars, changed_when / failed_when and a loop's registered results, pure: how they are parsed
// from control.yml, the scope a task sees, the status a rule gives, and what `register` records of a loop.
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modules } from '../../modules/index.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import type { TaskDef } from '../../engine/playbook/types.ts';
import { Tripwire, predicted, registeredLoop } from '../../engine/register.ts';
import { judge } from '../../engine/task-rules.ts';
import { resolvedFlags, taskEnvironment, withEnvironment } from '../../engine/task-control.ts';
import { formatProblem } from '../../engine/errors.ts';
import { explainLeftOut, withTaskVars } from '../../engine/task-vars.ts';

const fx = relative(process.cwd(), new URL('../fixtures/playbooks/control.yml', import.meta.url).pathname);
const { plays, problems } = parsePlaybook(fx, modules);
const byName = (n: string) => plays[0].tasks.find((t) => t.name === n)!;

test('control.yml: block vars handed down, the task\'s own winning; conditions as lists', () => {
  assert.equal(problems, []);
  assert.equal(byName('task vars beat play vars').vars, { greeting: 'task', who: '{{ greeting | upper }}' });
  assert.equal(byName('a block var in a task').vars, { colour: 'blue', shade: 'dark {{ colour }}' });
  assert.equal(byName('the task\'s own wins').vars, { colour: 'red', shade: 'dark {{ colour }}' });
  assert.is(byName('read-only probe').vars, undefined);
  assert.equal(byName('read-only probe').changedWhen, [false]);
  assert.equal(byName('exit 3 is not a failure').failedWhen, ['three.rc not in [0, 3]']);
});

test('task vars: over play vars, each rendered against the others, under registered results and extra vars', () => {
  const base = { greeting: 'play', probe: { rc: 0 }, env: 'prod' };
  const s = withTaskVars(base, { greeting: 'task', who: '{{ greeting | upper }}', probe: 'mine', env: 'dev' }, (k) => ['probe', 'env'].includes(k));
  assert.equal(s.vars, { greeting: 'task', who: 'TASK', probe: { rc: 0 }, env: 'prod' });
  assert.is(s.failed.size, 0);
  assert.equal(base.greeting, 'play', 'the play\'s scope is not touched');
});

test('task vars: one that cannot be rendered is left out; an error reading it is its own', () => {
  const s = withTaskVars({}, { ok: 1, broken: '{{ nowhere }}', chained: '{{ broken }}-x' }, () => false);
  assert.equal(s.vars, { ok: 1 });
  assert.equal([...s.failed.keys()].sort(), ['broken', 'chained']);
  const e = explainLeftOut(new Error('undefined variable "broken"'), s);
  assert.is(e.message, 'task var "broken": undefined variable "nowhere"');
  const other = new Error('undefined variable "else"');
  assert.is(explainLeftOut(other, s), other, 'an error about another name is left as it is');
  const cyc = withTaskVars({}, { a: '{{ b }}', b: '{{ a }}' }, () => false);
  assert.equal(cyc.vars, {});
  assert.match(cyc.failed.get('a')!.message, /cycle/);
});

test('task vars in check mode: reading an unknown result counts only if the task reads that var', () => {
  const wire = new Tripwire();
  const base = { probe: predicted('probe', 'changed', wire) };
  const s = withTaskVars(base, { out: '{{ probe.stdout }}', fine: 'x' }, (k) => k === 'probe', wire);
  assert.equal(wire.reads, [], 'set aside while no one reads "out"');
  explainLeftOut(new Error('undefined variable "out"'), s, wire);
  assert.match(wire.reason()!, /reads probe\.stdout, which check mode cannot know/);
});

const task = (t: Partial<TaskDef>) => ({ register: 'r', ...t }) as TaskDef;

test('judge: changed_when, then failed_when, over the task\'s own result', () => {
  const result = { rc: 3, stdout: 'boom', changed: true, failed: true };
  assert.equal(judge(task({ failedWhen: ['r.rc not in [0, 3]'] }), 'failed', '`sh` exited 3', {}, result, true), { status: 'changed' });
  assert.equal(judge(task({ failedWhen: ['r.rc not in [0, 3]'], changedWhen: ['r.rc == 0'] }), 'failed', 'x', {}, result, true), { status: 'ok' });
  assert.equal(judge(task({ changedWhen: [false] }), 'changed', undefined, {}, { ...result, failed: false }, true), { status: 'ok' });
  assert.equal(judge(task({ changedWhen: [true] }), 'ok', undefined, {}, {}, false), { status: 'changed' });
  assert.equal(judge(task({ failedWhen: ["'boom' in r.stdout"] }), 'changed', undefined, {}, result, true),
    { status: 'failed', error: 'failed_when held: \'boom\' in r.stdout' });
  assert.equal(judge(task({ changedWhen: [false] }), 'skipped', undefined, {}, {}, false), { status: 'skipped' });
  assert.equal(judge(task({ changedWhen: [true, 'r.rc == 0'] }), 'ok', undefined, {}, { rc: 1 }, false), { status: 'ok' }, 'a list: all must hold');
});

test('a loop registers results per item, each with its item; changed and failed if any item was', () => {
  const r = registeredLoop('x', [
    { status: 'changed', item: 'a', output: { rc: 0, stdout: 'a\n', stderr: '' } },
    { status: 'ok', item: 'b' },
  ]);
  assert.equal(r, {
    changed: true, failed: false, skipped: false, msg: 'All items completed',
    results: [
      { changed: true, failed: false, skipped: false, rc: 0, stdout: 'a', stderr: '', stdout_lines: ['a'], stderr_lines: [], item: 'a', ansible_loop_var: 'item' },
      { changed: false, failed: false, skipped: false, item: 'b', ansible_loop_var: 'item' },
    ],
  });
  assert.equal(registeredLoop('x', []), { changed: false, failed: false, skipped: true, results: [], msg: 'No items in the list' });
  const wire = new Tripwire();
  const c = registeredLoop('x', [{ status: 'changed', item: 'a', simulated: true }, { status: 'conditional', item: 'b' }], wire);
  assert.is((c.results as Array<Record<string, unknown>>)[0].item, 'a');
  assert.throws(() => (c.results as Array<Record<string, unknown>>)[0].stdout, /x\.results\[0\]\.stdout is not known/);
  assert.throws(() => c.changed, /x\.changed is not known/);
});

test('environment: layers rendered, the inner winning, values as text; commands take it under their own', () => {
  const f = relative(process.cwd(), new URL('../fixtures/playbooks/environment.yml', import.meta.url).pathname);
  const t = parsePlaybook(f, modules).plays[0].tasks[0];
  assert.equal(taskEnvironment(t, { proxy_env: { TEMPLATED: 'x', N: 1 } }), { PLAY_VAR: 'from the play', SHARED: 'task', TEMPLATED: 'x', N: '1' });
  assert.throws(() => taskEnvironment(t, { proxy_env: 'text' }), /environment must give a mapping/);
  assert.equal(withEnvironment([{ exec: ['env'], env: { SHARED: 'own' } }, { write: { path: '/x', content: '' } }], { SHARED: 'task', A: '1' }),
    [{ exec: ['env'], env: { SHARED: 'own', A: '1' } }, { write: { path: '/x', content: '' } }]);
  const bad = relative(process.cwd(), new URL('../fixtures/playbooks/invalid/environment.yml', import.meta.url).pathname);
  assert.equal(parsePlaybook(bad, modules).problems.map(formatProblem), [
    `${bad}:3:16: environment is a mapping of variable names to values (or a template that gives one)`,
    `${bad}:6:22: "NOT A NAME" is not an environment variable name`,
  ]);
});

test('ignore_errors as a template: kept as written, judged with the task\'s variables as Ansible\'s boolean()', () => {
  const f = relative(process.cwd(), new URL('../fixtures/playbooks/ignore-errors.yml', import.meta.url).pathname);
  const [a, b] = parsePlaybook(f, modules).plays[0].tasks;
  assert.is(a.ignoreErrors, '{{ not ansible_check_mode }}');
  assert.is(resolvedFlags(a, { ansible_check_mode: false }).ignoreErrors, true);
  assert.is(resolvedFlags(b, { ansible_check_mode: false }).ignoreErrors, false);
  assert.throws(() => resolvedFlags({ ...b, ignoreErrors: '{{ x }}' }, { x: 'maybe' }), /ignore_errors: "maybe" is not a boolean/);
});

test.run();
