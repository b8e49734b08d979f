// parsePlaybook: YAML -> plays and tasks with their file:line:col, every structural and argument problem
// collected at once; checkPlays: undefined variables at the string at fault, and the hosts that lack them.
// Fixtures: test/fixtures/playbooks/ (their line numbers are asserted here).
import { relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPlays } from '../../engine/playbook/check.ts';
import { formatProblem } from '../../engine/errors.ts';
import { parsePlaybook, type TaskDef } from '../../engine/playbook/parse.ts';
import { type Item, isBlock } from '../../engine/playbook/types.ts';
import { modules } from '../../modules/index.ts';

const fx = (p: string) => relative(process.cwd(), new URL(`../fixtures/playbooks/${p}`, import.meta.url).pathname);
const parse = (p: string) => parsePlaybook(fx(p), modules);
const lines = (p: string) => parse(p).problems.map(formatProblem);
const at = (file: string, line: number, col: number) => ({ file: fx(file), line, col });
/** A task without its functions, for assert.equal. */
const plain = ({ argWhere: _a, keyWhere: _k, ...rest }: TaskDef) => rest;

test('core.yml: plays, tasks and handlers with their places, arguments as written (no defaults filled in)', () => {
  const { plays, problems } = parse('core.yml');
  assert.equal(problems, []);
  assert.is(plays.length, 1);
  const [play] = plays;
  assert.equal({ name: play.name, hosts: play.hosts, vars: play.vars, where: play.where, dir: play.dir }, {
    name: 'core modules', hosts: 'all', vars: { app_dir: '/srv/app', greeting: 'hello' }, where: at('core.yml', 2, 3),
    dir: resolve(fx('core.yml'), '..'),
  });
  assert.equal(play.tasks.map((t) => [t.name, t.module, t.where.line, t.where.col]), [
    ['app group', 'group', 8, 7], ['app user', 'user', 10, 7], ['app directory', 'file', 17, 7], ['app config', 'template', 19, 7],
    ['motd', 'copy', 22, 7], ['environment line', 'lineinfile', 25, 7], ['sshd running', 'service', 27, 7],
    ['tree installed', 'apt', 29, 7], ['initialized once', 'command', 31, 7], ['one line per port', 'lineinfile', 33, 7],
  ]);
  assert.equal(play.tasks[0].args, { name: 'deploy', gid: 2001 }, 'group state: present is a default, not written back');
  assert.equal(play.tasks[3].notify, ['app restarted']);
  assert.equal(play.tasks[3].argWhere(['dest']), at('core.yml', 20, 44));
  assert.equal(play.tasks[3].argWhere(['mode']), at('core.yml', 20, 106));
  assert.equal(play.tasks[9].loop, [3000, 3001]);
  assert.equal(play.tasks[9].keyWhere(['loop']), at('core.yml', 35, 13));
  assert.equal(play.tasks[9].argWhere(['line']), at('core.yml', 34, 56));
  assert.equal(play.handlers.map((h) => [h.name, h.args]), [['app restarted', { argv: ['sh', '-c', 'date +%s.%N >> {{ app_dir }}/restarts'] }]]);
  assert.equal(play.handlers[0].argWhere(['argv', 2]), at('core.yml', 38, 33), 'a list item inside the arguments');
});

test('a free-form shell line is the shell module\'s cmd; keywords take their defaults', () => {
  const [t] = parse('conditional.yml').plays[0].tasks;
  assert.equal(plain(t), {
    name: 'unknowable', module: 'shell', args: { cmd: 'echo hi > /root/unknowable' }, when: undefined, loop: undefined,
    register: undefined, notify: [], listen: [], tags: [], become: undefined, ignoreErrors: false, noLog: false,
    where: at('conditional.yml', 4, 7),
  });
  const fail = parse('fail-one.yml').plays[0].tasks[1];
  assert.is(fail.when, "inventory_hostname == groups['all'][0]");
  assert.equal(fail.keyWhere(['when']), at('fail-one.yml', 8, 13));
  assert.equal(fail.keyWhere(['loop']), fail.where, 'a keyword not written: the task itself');
});

test('with_items is the loop, and keyWhere(["loop"]) finds it', () => {
  const { plays, problems } = parse('invalid/all-defined.yml');
  assert.equal(problems, []);
  const t = plays[0].tasks[4];
  assert.is(t.name, 'with_items item');
  assert.equal(t.loop, ['a', 'b']);
  assert.equal(t.keyWhere(['loop']), at('invalid/all-defined.yml', 20, 19));
  assert.is(plays[0].tasks[2].register, undefined);
  assert.is(plays[0].tasks[1].register, 'hostname_out');
  assert.equal(plays.map((p) => [p.name, p.hosts, p.tasks.length, p.handlers.length]), [['defined everywhere', 'all', 7, 1], ["one host's own variable", 'h1', 1, 0]]);
  assert.is(plays[1].tasks[0].name, 'copy', 'a task without a name is named after its module');
});

test('structure: every problem of every play and task at once, each at its place', () => {
  const f = fx('invalid/structure.yml');
  assert.equal(lines('invalid/structure.yml'), [
    `${f}:2:3: a play is a mapping with hosts and tasks`,
    `${f}:3:3: a play needs \`hosts:\` (a pattern such as all, a group or a host)`,
    `${f}:4:9: vars is a mapping`,
    `${f}:5:10: tasks is a list`,
    `${f}:6:13: handlers is a list`,
    `${f}:7:13: strategy: host_pinned is not supported yet (linear and free are)`,
    `${f}:10:7: a task is a mapping with a module and its arguments`,
    `${f}:11:7: the task names no module`,
    `${f}:14:13: the arguments of file are a mapping`,
    `${f}:17:17: register needs a variable name, not "not valid"`,
    `${f}:21:29: file: unknown argument "colour"`,
    `${f}:23:17: template: missing argument "src"`,
    `${f}:26:56: command: "shell" must be left out when argv is given (command takes one of argv, cmd and shell)`,
  ]);
  const { plays } = parse('invalid/structure.yml');
  assert.equal(plays.map((p) => [p.name, p.hosts, p.vars, p.tasks.map((t) => t.name)]), [
    ['no hosts', '', {}, []],
    ['web', 'web', {}, ['bad register', 'templated values are checked once rendered', 'a templated value under an unknown key is still unknown', 'missing a required argument']],
  ]);
  assert.equal(plays[1].tasks[1].args, { path: '/tmp/x', mode: '{{ m }}', state: '{{ s }}' }, 'templated mode and state: no problem yet');
});

test('variable names that are Python keywords are refused, as Ansible refuses them (register, vars, loop_var, set_fact)', () => {
  const f = fx('invalid/python-keywords.yml');
  assert.equal(lines('invalid/python-keywords.yml'), [
    `${f}:4:5: "lambda" is not a variable name (a Python keyword)`,
    `${f}:8:17: register needs a variable name, not "from" (a Python keyword: Ansible refuses it too)`,
    `${f}:12:9: "class" is not a variable name (a Python keyword)`,
    `${f}:16:33: loop_control: loop_var needs a variable name (in is a Python keyword)`,
    `${f}:19:9: set_fact: "None" must be a variable name: letters, digits and "_", not starting with a digit, not a Python keyword`,
  ]);
});

test('many problems: module and argument problems, and a notify placed right after a dropped task', () => {
  const f = fx('invalid/many-problems.yml');
  assert.equal(lines('invalid/many-problems.yml'), [
    `${f}:8:7: unknown module or task keyword "frobnicate"`,
    `${f}:10:29: file: unknown argument "colour"`,
    `${f}:14:15: file: "mode" must be an octal mode like "0644" (quoted) or 0644 (unquoted, which YAML 1.1 reads as octal), or symbolic like "u=rw,g=r,o=r"`,
    `${f}:16:36: file: "state" must be one of "file", "directory", "absent", "link", "hard", "touch"`,
    `${f}:31:7: a task runs one module; found copy, file`,
    `${f}:28:15: notify names no handler of this play: "restart nothing"`,
  ]);
  const { plays } = parse('invalid/many-problems.yml');
  assert.equal(plays[0].tasks.map((t) => t.name), [
    'unknown argument', 'mode that is no octal number', 'bad state', 'missing template', 'undefined in an argument', 'undefined in when',
    'undefined in a template file', 'notify nobody', 'defined on one host only',
  ], 'the unknown module and the two-module task are dropped');
  assert.equal(plays[0].tasks[5].keyWhere(['when']), at('invalid/many-problems.yml', 23, 13));
  assert.equal(plays[0].tasks[1].args, { path: '/tmp/b', mode: 'rwxr-xr-x' });
});

test('YAML and file problems: one line each, at the place given', () => {
  assert.equal(lines('invalid/broken-yaml.yml'), [`${fx('invalid/broken-yaml.yml')}:5:41: YAML: missed comma between flow collection entries`]);
  assert.equal(lines('invalid/two-docs.yml'), [`${fx('invalid/two-docs.yml')}:1:1: YAML: holds 2 YAML documents; expected one`]);
  assert.equal(lines('invalid/not-a-list.yml'), [`${fx('invalid/not-a-list.yml')}:1:1: a playbook is a list of plays`]);
  assert.equal(lines('invalid/nope.yml'), [`${fx('invalid/nope.yml')}:1:1: cannot read the playbook: ENOENT`]);
  assert.equal(parse('invalid/broken-yaml.yml').plays, []);
});

test('checkPlays: a when list item and a string loop are reported where written; hosts lacking a variable are named', () => {
  const { plays, problems } = parse('invalid/when-loop.yml');
  assert.equal(problems, []);
  const known = (_: unknown, host: string) => new Set(host === 'h1' ? ['not_set'] : []);
  const f = fx('invalid/when-loop.yml');
  assert.equal(checkPlays(plays, () => ['h1', 'h2'], known, modules).map(formatProblem), [
    `${f}:10:19: undefined variable "port_list"`,
    `${f}:8:11: undefined variable "not_set" (hosts h2)`,
  ]);
  assert.equal(checkPlays(plays, () => ['h1'], known, modules).map(formatProblem), [`${f}:10:19: undefined variable "port_list"`], 'one host: no (hosts ...)');
  assert.equal(checkPlays(plays, () => [], known, modules), [], 'a play matching no host checks nothing');
});

test('checkPlays: a register is known to the tasks after it only', () => {
  const { plays, problems } = parse('invalid/register-order.yml');
  assert.equal(problems, []);
  assert.equal(checkPlays(plays, () => ['h1', 'h2'], () => new Set(), modules).map(formatProblem), [`${fx('invalid/register-order.yml')}:4:24: undefined variable "out"`]);
});

test('checkPlays: registers, loop items, magic variables, guards and template set/for need no definition; the rest is reported', () => {
  const { plays } = parse('invalid/all-defined.yml');
  const base = ['greeting', 'port', 'app_dir', 'release', 'only_h1'];
  assert.equal(checkPlays(plays, () => ['h1'], () => new Set(base), modules), []);
  const f = fx('invalid/all-defined.yml');
  assert.equal(checkPlays(plays, () => ['h1'], () => new Set(base.filter((n) => n !== 'port')), modules).map(formatProblem), [
    `${f}:8:24: undefined variable "port"`,
    `${f}:25:24: template good.conf.njk: undefined variable "port"`,
  ]);
});

test("Ansible's booleans: become: no turns sudo off, yes/On/\"y\"/\"1\" are true; a play's tags are its tasks' tags", () => {
  const { plays, problems } = parse('ansible-syntax/booleans.yml');
  assert.equal(problems, []);
  const [play] = plays;
  assert.is(play.become, true, 'play become: yes');
  assert.equal(play.tasks.map((t) => [t.become, t.ignoreErrors, t.noLog]), [
    [false, false, false], [undefined, true, true], [false, true, true], [undefined, false, false], [undefined, false, false],
  ]);
  assert.equal(play.tasks.map((t) => t.tags), [['own', 'web'], ['web'], ['web'], ['web'], ['web']]);
  assert.equal(play.tasks[3].args, { name: 'ssh', enabled: 'yes' }, 'as written; the schema takes "yes" as true');
  assert.equal(play.tasks[4].args, { name: 'ssh', enabled: 'no' }, 'free-form key=value');
});

test("command and shell free form as Ansible: creates/removes/chdir words are arguments, any other key=value stays in the command; FQCNs", () => {
  const { plays, problems } = parse('ansible-syntax/commands.yml');
  assert.equal(problems, []);
  assert.equal(plays[0].tasks.map((t) => [t.module, t.args]), [
    ['command', { cmd: 'env FOO=bar touch /tmp/x', creates: '/tmp/x' }],
    ['shell', { cmd: "echo 'a  b' | tr a A > out", chdir: '/tmp', executable: '/bin/bash' }],
    ['copy', { content: 'x', dest: '/tmp/fq' }],
    ['command', { argv: ['true'] }],
  ]);
  const f = fx('invalid/commands.yml');
  assert.equal(lines('invalid/commands.yml'), [
    `${f}:4:16: command: names no command (only key=value arguments)`,
    `${f}:5:7: unknown module or task keyword "ansible.builtin.node"`,
  ]);
});

test('booleans Ansible refuses are refused where written; a template in a boolean keyword is not supported yet', () => {
  const f = fx('invalid/booleans.yml');
  assert.equal(lines('invalid/booleans.yml'), [
    `${f}:7:22: ignore_errors: "sometimes" is not a boolean (yes/no, true/false, on/off, 1/0)`,
    `${f}:10:15: become: a template in a boolean keyword is not supported yet (yes/no, true/false, on/off, 1/0)`,
    `${f}:12:38: service: "enabled" must be boolean`,
    `${f}:3:11: become: "maybe" is not a boolean (yes/no, true/false, on/off, 1/0)`,
  ]);
});

test('free-form key=value arguments and args: as Ansible reads them (the module\'s own win over args:)', () => {
  const { plays, problems } = parse('ansible-syntax/free-form.yml');
  assert.equal(problems, []);
  assert.equal(plays[0].tasks.map((t) => t.args), [
    { dest: '/tmp/a b', content: 'x y', mode: '0640' },
    { content: "{{ greeting | default('hi there') }}", dest: '/tmp/g' },
    { content: 'from args', dest: '/tmp/c' },
    { path: '/tmp/d', state: 'directory' },
  ]);
  assert.equal(plays[0].tasks[2].argWhere(['content']), at('ansible-syntax/free-form.yml', 11, 18), 'an argument from args: is found there');
  const f = fx('invalid/free-form.yml');
  assert.equal(lines('invalid/free-form.yml'), [
    `${f}:5:13: copy takes key=value arguments, not "nonsense"`,
    `${f}:7:13: copy: an unclosed " quote`,
    `${f}:10:27: copy: unknown argument "colour"`,
  ]);
});

test('blocks: every task in the order written, the tree as written; a block\'s when and tags handed down, with their places', () => {
  const { plays, problems } = parse('blocks.yml');
  assert.equal(problems, []);
  const [play] = plays;
  assert.equal(play.tasks.map((t) => t.name), ['setup', 'before the failure', 'fails', 'never runs', 'what failed', 'always', 'skipped',
    'inner task', 'inner always']);
  const shape = (items: Item[]): unknown => items.map((i) => (isBlock(i) ? { [i.name]: [shape(i.block), shape(i.rescue), shape(i.always)] } : (i as TaskDef).name));
  assert.equal(shape(play.body), ['setup', { 'rescued block': [['before the failure', 'fails', 'never runs'], ['what failed'], ['always']] },
    { 'a block skipped by its when': [['skipped'], [], []] },
    { 'nested, tags handed down': [[{ 'inner block': [['inner task'], [], ['inner always']] }], [], []] }]);
  const skipped = play.tasks[6];
  assert.equal(skipped.when, ['not_set is defined', true]);
  assert.equal(skipped.whenWhere, [at('blocks.yml', 21, 13), at('blocks.yml', 25, 17)]);
  assert.equal(play.tasks[7].tags, ['own', 'outer']);
  assert.equal(play.tasks[8].tags, ['outer']);
});

test('checkPlays: filters, tests and lookups provision does not have are refused where written, once for every host', () => {
  const { plays, problems } = parse('invalid/jinja-names.yml');
  assert.equal(problems, []);
  const f = fx('invalid/jinja-names.yml');
  assert.equal(checkPlays(plays, () => ['h1', 'h2'], () => new Set(), modules).map(formatProblem), [
    `${f}:4:24: unknown filter "nosuchfilter"`,
    `${f}:6:13: unknown test "nosuchtest"`,
    `${f}:7:14: lookup "password" is not supported yet (file, template, env, pipe, vars, first_found are)`,
  ]);
});

test('blocks written wrong and keywords not supported yet are refused where written', () => {
  const f = fx('invalid/blocks.yml');
  assert.equal(lines('invalid/blocks.yml'), [
    `${f}:7:7: unknown block keyword "colour"`,
    `${f}:11:15: rescue is a list of tasks`,
    `${f}:14:7: the task keyword "delegate_facts" is not supported yet`,
    `${f}:19:13: vars is a mapping of variable names to values`,
    `${f}:18:25: "not a name" is not a variable name`,
    `${f}:22:7: a block in handlers is not supported yet`,
  ]);
});

test.run();
