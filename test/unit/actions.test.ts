// debug, set_fact, assert, fail and pause, pure: what each comes to with a task's variables (the context the
// engine gives them: Jinja2 expressions and `when`-style conditions), and how they are refused when written wrong.
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem } from '../../engine/errors.ts';
import type { ActionContext } from '../../engine/module.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { conditionsHold } from '../../engine/task-rules.ts';
import { evaluate } from '../../engine/vars/template.ts';
import { findVarsFile, readVarsText } from '../../engine/vars/vars-file.ts';
import { modules } from '../../modules/index.ts';

const REUSE = new URL('../fixtures/reuse', import.meta.url).pathname;
const ctx = (vars: Record<string, unknown>): ActionContext => ({
  evaluate: (e) => evaluate(e, vars), holds: (c) => conditionsHold([c], vars),
  readVars: (name) => {
    const file = findVarsFile(name, [REUSE]);
    return { vars: readVarsText(file).vars, file };
  },
});
const run = (name: string, args: Record<string, unknown>, vars: Record<string, unknown> = {}) => modules.get(name)!.local!(args, ctx(vars));

test('debug: a message of any value, a variable\'s value, or nothing under a verbosity', () => {
  assert.equal(run('debug', {}), { status: 'ok', msg: 'Hello world!', result: { msg: 'Hello world!' } });
  assert.equal(run('debug', { msg: ['a', 1] }), { status: 'ok', msg: '[\n    "a",\n    1\n]', result: { msg: ['a', 1] } });
  assert.equal(run('debug', { var: 'x.y' }, { x: { y: 3 } }), { status: 'ok', msg: 'x.y: 3', result: { 'x.y': 3 } });
  assert.equal(run('debug', { var: 'nope' }), { status: 'ok', msg: 'nope: VARIABLE IS NOT DEFINED!', result: { nope: 'VARIABLE IS NOT DEFINED!' } });
  assert.is(run('debug', { msg: 'x', verbosity: 1 }).status, 'skipped');
});

test('set_fact: the variables it sets, with Ansible\'s true/false/yes/no strings as booleans; cacheable is no variable', () => {
  assert.equal(run('set_fact', { a: 'yes', b: 'No', c: 'y', d: 1, cacheable: true }),
    { status: 'ok', sets: { a: true, b: false, c: 'y', d: 1 }, result: { ansible_facts: { a: true, b: false, c: 'y', d: 1 } } });
  assert.equal(modules.get('set_fact')!.localSets!({ a: '{{ x }}', cacheable: true }), ['a']);
});

test('assert: every condition must hold; the first that does not fails with fail_msg (or msg)', () => {
  assert.equal(run('assert', { that: ['x == 1', 'y'] }, { x: 1, y: true }), { status: 'ok', msg: 'All assertions passed', result: { msg: 'All assertions passed' } });
  assert.equal(run('assert', { that: ['x == 1', 'x == 2', 'boom'], fail_msg: 'wrong' }, { x: 1 }),
    { status: 'failed', msg: 'wrong', result: { msg: 'wrong', assertion: 'x == 2', evaluated_to: false } });
  assert.is(run('assert', { that: 'x', msg: 'no x' }, { x: false }).msg, 'no x');
  assert.equal(run('assert', { that: 'x', quiet: true }, { x: 1 }), { status: 'ok', result: { msg: 'All assertions passed' } });
});

test('include_vars: a vars file found in vars/, its variables set, or under one name; validate knows not which', () => {
  const all = { common_word: 'common', greeting: 'from vars_files' };
  assert.equal(run('include_vars', { file: 'common.yml' }), { status: 'ok', sets: all,
    result: { ansible_facts: all, ansible_included_var_files: [`${REUSE}/vars/common.yml`] } });
  assert.equal(run('include_vars', { file: 'vars/common.yml', name: 'c' }).sets, { c: all });
  assert.throws(() => run('include_vars', { file: 'nope.yml' }), /vars file "nope.yml" not found/);
  assert.is(modules.get('include_vars')!.localSets!({ file: 'x.yml' }), 'any');
  assert.equal(modules.get('include_vars')!.freeForm!('  vars/{{ os }}.yml '), { file: 'vars/{{ os }}.yml' });
});

test('fail and pause', () => {
  assert.equal(run('fail', {}), { status: 'failed', msg: 'Failed as requested from task', result: { msg: 'Failed as requested from task' } });
  assert.equal(run('fail', { msg: 'stop' }).msg, 'stop');
  assert.is(run('pause', { seconds: 2 }).waitMs, 2000);
  assert.is(run('pause', { minutes: 1 }).waitMs, 60000);
});

test('written wrong: refused where written', () => {
  const f = relative(process.cwd(), new URL('../fixtures/playbooks/invalid/actions.yml', import.meta.url).pathname);
  assert.equal(parsePlaybook(f, modules).problems.map(formatProblem), [
    `${f}:4:14: debug: give msg or var, not both`,
    `${f}:5:19: set_fact: "not a name" must be a variable name: letters, digits and "_", not starting with a digit, not a Python keyword`,
    `${f}:6:17: set_fact: arguments must not be empty`,
    `${f}:7:15: assert: missing argument "that"`,
    `${f}:8:14: pause: the arguments must be seconds or minutes (one of them)`,
    `${f}:8:24: pause: prompt is not supported: a run waits for no one (give seconds or minutes)`,
    `${f}:9:14: pause: the arguments must be seconds or minutes (one of them)`,
  ]);
});

test.run();
