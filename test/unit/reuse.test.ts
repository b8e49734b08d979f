// Reuse at load: roles (found, deduplicated, dependencies first, handlers, defaults and vars as play layers),
// import_tasks expanded in place, include_tasks / include_role kept for run time, flush points after pre_tasks
// and before post_tasks, vars_files; and every way of writing them wrong refused at its file:line:col.
import { relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem } from '../../engine/errors.ts';
import { checkPlays } from '../../engine/playbook/check.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { type Item, type TaskDef, isBlock, isInclude, isMeta } from '../../engine/playbook/types.ts';
import { modules } from '../../modules/index.ts';

const dir = relative(process.cwd(), new URL('../fixtures/reuse', import.meta.url).pathname);
const shape = (items: Item[]): unknown[] => items.map((i) => (isMeta(i) ? `meta:${i.meta}` : isInclude(i) ? { [i.include.name]: shape(i.items) }
  : isBlock(i) ? 'block' : `${(i as TaskDef).role ? `${(i as TaskDef).role!.name} : ` : ''}${(i as TaskDef).name}`));

test('site.yml: pre_tasks, a flush, roles (dependency first, once per params), tasks with imports and includes, a flush, post_tasks', () => {
  const { plays, problems } = parsePlaybook(`${dir}/site.yml`, modules);
  assert.equal(problems.map(formatProblem), []);
  const play = plays[0];
  assert.equal(shape(play.body), [
    'the directory', 'meta:flush_handlers',
    'base : motd from the role\'s template', 'base : banner from the role\'s files', 'web : web config',
    'base : motd from the role\'s template', 'base : banner from the role\'s files',
    'imported task',
    { 'per item': ['an included task'] }, { 'an include its when skips': ['an included task'] },
    'base : motd from the role\'s template', 'base : banner from the role\'s files',
    { 'include_role : web': ['web : other tasks of web'] },
    'meta:flush_handlers', 'after the flush', 'meta:flush_handlers', 'post',
  ]);
  assert.equal(play.handlers.map((h) => h.name), ['base changed', 'pre handler'], 'role handlers join the play\'s, once');
  assert.equal(play.varsFiles.map((f) => f.vars), [{ common_word: 'common', greeting: 'from vars_files' }]);
  assert.equal(play.roleDefaults.map((d) => d.role), ['base', 'web', 'base', 'base'], 'roles: and import_role, not include_role');
  assert.equal(play.roleVars.find((v) => v.role === 'web')!.vars, { web_word: 'from web vars' });
  const green = play.tasks.filter((t) => t.role?.name === 'base')[2];
  assert.equal(green.vars, { base_colour: 'green' }, 'a role param is a var of its tasks');
  assert.equal(green.defaults, { base_colour: 'blue', base_motd: 'welcome {{ greeting }}', role_path: resolve(dir, 'roles/base'), role_name: 'base' });
  const imported = play.tasks.find((t) => t.name === 'imported task')!;
  assert.equal([imported.vars, imported.where.file], [{ extra_word: 'imported' }, `${dir}/tasks/extra.yml`]);
  const skips = play.body.find((i) => isInclude(i) && i.include.name === 'an include its when skips')!;
  assert.ok(isInclude(skips) && skips.include.when === 'web_port == 1' && (skips.items[0] as TaskDef).when === undefined,
    'an include\'s when is its own, not its tasks\'');
});

test('reuse written wrong, or not supported yet: refused where written', () => {
  const before = process.env.ANSIBLE_ROLES_PATH;
  process.env.ANSIBLE_ROLES_PATH = '/nonexistent/roles';
  try {
    const f = `${dir}/invalid.yml`;
    assert.equal(parsePlaybook(f, modules).problems.map(formatProblem), [
      `${f}:5:7: role "nosuchrole" not found (looked in ${dir}/roles/nosuchrole, /nonexistent/roles/nosuchrole, ${dir}/nosuchrole)`,
      `${f}:6:21: "delegate_facts" on a role is not supported yet`,
      `${f}:9:7: import_tasks takes no loop (it is expanded when the playbook is read): use include_tasks`,
      `${f}:10:22: include_tasks: a template in the file name is not supported yet (it is read when the playbook is)`,
      `${f}:11:21: import_tasks: task file "tasks/nothere.yml" not found (looked in ${dir})`,
      `${dir}/tasks/cycle-b.yml:1:17: task file ${dir}/tasks/cycle-a.yml includes itself (${dir}/tasks/cycle-a.yml -> ${dir}/tasks/cycle-b.yml -> ${dir}/tasks/cycle-a.yml)`,
      `${f}:13:21: role web: tasks_from "nothere" not found in ${dir}/roles/web/tasks`,
      `${f}:14:34: include_role: the argument "public" is not supported yet`,
      `${f}:15:13: meta: refresh_inventory is not supported yet (flush_handlers, noop, end_host and end_play are)`,
      `${f}:17:7: import_tasks in handlers is not supported yet`,
      `${f}:3:16: vars file "vars/missing.yml" not found (looked in ${dir})`,
      `${f}:3:34: vars_files: a template in a file name is not supported yet (the files are read when the playbook is)`,
    ]);
  } finally {
    if (before === undefined) delete process.env.ANSIBLE_ROLES_PATH;
    else process.env.ANSIBLE_ROLES_PATH = before;
  }
});

test('an include with a when: its file\'s problems (parse and lint) wait on it, refused if it runs; without a when, errors now', () => {
  const hosts = () => ['h'];
  const known = () => new Set(['ansible_facts']);
  const site = `${dir}/deferred/site.yml`;
  const { plays, problems } = parsePlaybook(site, modules);
  assert.equal([...problems, ...checkPlays(plays, hosts, known, modules)], []);
  const deferred = plays[0].body.filter(isInclude).map((i) => (i.deferred ?? []).map(formatProblem));
  assert.equal(deferred, [[
    `${dir}/deferred/freebsd.yml:2:3: unknown module or task keyword "pkgng"`,
    `${dir}/deferred/freebsd.yml:6:5: apt: unknown argument "enablerepo"`,
    `${dir}/deferred/freebsd.yml:9:10: unknown filter "no_such_filter"`,
  ], [`${dir}/deferred/debian.yml:4:3: unknown module or task keyword "win_get_url"`]]);
  const plain = parsePlaybook(`${dir}/deferred/plain.yml`, modules);
  assert.equal([...plain.problems, ...checkPlays(plain.plays, hosts, known, modules)].map(formatProblem), [
    `${dir}/deferred/freebsd.yml:2:3: unknown module or task keyword "pkgng"`,
    `${dir}/deferred/freebsd.yml:6:5: apt: unknown argument "enablerepo"`,
    `${dir}/deferred/freebsd.yml:9:10: unknown filter "no_such_filter"`,
  ]);
});

test('run_once and delegate_to on a role go to each of its tasks, not to its params', () => {
  const { plays, problems } = parsePlaybook(`${dir}/role-keywords.yml`, modules);
  assert.equal(problems, []);
  const tasks = plays[0].tasks.filter((t) => t.role?.name === 'web');
  assert.ok(tasks.length > 0);
  for (const t of tasks) assert.equal([t.runOnce, t.delegateTo, t.vars], [true, 'localhost', { web_word: 'param' }], t.name);
});

test('import_playbook: plays in place, the import\'s vars over theirs (the outer import\'s over an inner one\'s), tags added; written wrong, refused where written', () => {
  const { plays, problems } = parsePlaybook(`${dir}/playbooks/main.yml`, modules);
  assert.equal(problems, []);
  assert.equal(plays.map((p) => [p.name, p.vars, p.tasks.map((t) => t.tags)]), [
    ['first', {}, [[]]], ['web', { colour: 'blue', shade: 'dark' }, [['web']]], ['nested', { colour: 'blue' }, [['web']]], ['last', {}, [[]]],
  ]);
  assert.equal(plays[1].dir, resolve(dir, 'playbooks/sub'), 'an imported play\'s files are found beside it');
  const bad = `${dir}/playbooks/bad.yml`;
  assert.equal(parsePlaybook(bad, modules).problems.map(formatProblem), [
    `${bad}:1:20: import_playbook: playbook "nothere.yml" not found (looked in ${dir}/playbooks)`,
    `${bad}:2:20: import_playbook: a template in the file name is not supported yet (it is read when the playbook is)`,
    `${bad}:3:20: import_playbook: ${bad} imports itself (${bad} -> ${bad})`,
    `${bad}:5:3: import_playbook: "when" is not supported yet`,
  ]);
});

test.run();
