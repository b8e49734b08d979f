// Roles, as Ansible lays them out: roles/NAME/{tasks,handlers,defaults,vars,meta}/main.yml, found beside the file
// that names them, beside the playbook, or on the roles path (ANSIBLE_ROLES_PATH, then Ansible's defaults). A
// role's tasks carry its name (reported "role : task"), its directory (templates/ and files/ searched first), its
// defaults (under every other variable) and its vars and params (over the play's); its meta dependencies run
// first; its handlers join the play's. In `roles:` (and as a dependency) a role with the same params runs once.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { Where } from '../errors.ts';
import { mainOf, readTaskFile, readVarsFile, shown } from './files.ts';
import { inheritFrom } from './inherit.ts';
import { type Path, type Reader, TASK_KEYWORDS_NOT_YET, isMap } from './reader.ts';
import type { Inherited } from './task.ts';
import type { Item, TaskDef } from './types.ts';

type ParseItems = (r: Reader, raw: unknown[], p: Path, kind: string, inh: Inherited, flat: TaskDef[]) => Item[];

/** A role as named: its params; `dedupe`: run once per play with these params; `expose`: its vars are the play's too. */
export type RoleRef = { name: string; params: Record<string, unknown>; tasksFrom?: string; dedupe: boolean; expose: boolean };

/** The keywords of a role entry (in `roles:` or a dependency) that are not its params. */
const ROLE_KEYWORDS = new Set(['role', 'name', 'when', 'tags', 'vars', 'become', 'become_user', 'become_method', 'check_mode', 'environment', 'ignore_errors', 'ignore_unreachable', 'no_log', 'run_once', 'delegate_to']);

function rolesPath(): string[] {
  const env = process.env.ANSIBLE_ROLES_PATH;
  return env ? env.split(':').filter(Boolean) : [join(homedir(), '.ansible/roles'), '/usr/share/ansible/roles', '/etc/ansible/roles'];
}

function findRole(r: Reader, name: string): { dir?: string; looked: string[] } {
  const looked = name.includes('/') ? [resolve(r.dir, name)]
    : [...new Set([join(r.dir, 'roles', name), join(r.origin.playDir, 'roles', name), ...rolesPath().map((d) => join(d, name)),
      join(r.dir, name), join(r.origin.playDir, name)])];
  return { dir: looked.find((d) => existsSync(d) && statSync(d).isDirectory()), looked };
}

/** The tasks of a role (its dependencies' first), parsed at load; its handlers into the play's parts. */
export function roleItems(r: Reader, ref: RoleRef, where: Where, inh: Inherited, flat: TaskDef[], parseItems: ParseItems): Item[] {
  const { dir, looked } = findRole(r, ref.name);
  if (!dir) {
    r.problem(where, `role "${ref.name}" not found (looked in ${looked.map(shown).join(', ')})`);
    return [];
  }
  const play = r.origin.play;
  const key = `${dir}\0${JSON.stringify(ref.params)}\0${ref.tasksFrom ?? ''}`;
  if (ref.dedupe && play) {
    if (play.seen.has(key)) return [];
    play.seen.add(key);
  }
  const name = ref.name.split('/').at(-1)!;
  const varsFile = (sub: string) => {
    const f = mainOf(dir, sub);
    return f ? readVarsFile(r, f, where, `${sub}/main.yml of role ${name}`) ?? {} : {};
  };
  // Dependencies first: their defaults and vars come before the role's (a later role's win).
  const items: Item[] = [...dependencies(r, dir, name, where, inh, flat, parseItems)];
  const defaults = varsFile('defaults');
  const vars = varsFile('vars');
  if (ref.expose && play) {
    play.roleDefaults.push({ role: name, vars: defaults });
    play.roleVars.push({ role: name, vars });
  }
  const own: Inherited = {
    ...inh, role: { name, dir }, defaults: { ...defaults, role_path: dir, role_name: name },
    vars: { ...inh.vars, ...vars, ...ref.params },
  };
  const tasksFile = ref.tasksFrom ? findTasksFrom(dir, ref.tasksFrom) : mainOf(dir, 'tasks');
  if (ref.tasksFrom && !tasksFile) r.problem(where, `role ${name}: tasks_from "${ref.tasksFrom}" not found in ${shown(join(dir, 'tasks'))}`);
  if (tasksFile) items.push(...listIn(r, tasksFile, where, 'task', own, flat, parseItems));
  const handlersFile = mainOf(dir, 'handlers');
  if (handlersFile && play && !play.seen.has(`handlers\0${dir}`)) {
    play.seen.add(`handlers\0${dir}`);
    listIn(r, handlersFile, where, 'handler', { ...own, when: [], tags: [] }, play.handlers, parseItems);
  }
  return items;
}

function findTasksFrom(dir: string, from: string): string | undefined {
  const tries = [from, `${from}.yml`, `${from}.yaml`].map((f) => join(dir, 'tasks', f));
  return tries.find((t) => existsSync(t) && statSync(t).isFile());
}

/** The items of a task or handler list file of a role. */
function listIn(r: Reader, abs: string, where: Where, kind: string, inh: Inherited, flat: TaskDef[], parseItems: ParseItems): Item[] {
  const child = readTaskFile(r, abs, where, `${kind} file`);
  if (!child) return [];
  const list = child.doc.value ?? [];
  if (!Array.isArray(list)) {
    r.problem(child.at([]), `a ${kind} file is a list of ${kind}s`);
    return [];
  }
  return parseItems(child, list, [], kind, inh, flat);
}

/** meta/main.yml's dependencies, each a role entry: they run before the role, once per play with the same params. */
function dependencies(r: Reader, dir: string, name: string, where: Where, inh: Inherited, flat: TaskDef[], parseItems: ParseItems): Item[] {
  const metaFile = mainOf(dir, 'meta');
  if (!metaFile) return [];
  const child = readTaskFile(r, metaFile, where, `meta/main.yml of role ${name}`);
  if (!child) return [];
  const meta = child.doc.value;
  if (meta === undefined || meta === null) return [];
  if (!isMap(meta)) {
    r.problem(child.at([]), 'meta/main.yml is a mapping (galaxy_info, dependencies)');
    return [];
  }
  const deps = meta.dependencies ?? [];
  if (!Array.isArray(deps)) {
    r.problem(child.at(['dependencies']), 'dependencies is a list of roles');
    return [];
  }
  return deps.flatMap((d, i) => roleEntry(child, d, ['dependencies', i], inh, flat, parseItems));
}

/** One entry of `roles:` or of dependencies: a name, or a mapping of role (or name), keywords and params. */
export function roleEntry(r: Reader, raw: unknown, p: Path, inh: Inherited, flat: TaskDef[], parseItems: ParseItems): Item[] {
  if (typeof raw === 'string') return roleItems(r, { name: raw, params: {}, dedupe: true, expose: true }, r.at(p), inh, flat, parseItems);
  if (!isMap(raw) || typeof (raw.role ?? raw.name) !== 'string') {
    r.problem(r.at(p), 'a role is named by a string, or a mapping with `role:` (its params and keywords beside it)');
    return [];
  }
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (ROLE_KEYWORDS.has(k)) continue;
    if (TASK_KEYWORDS_NOT_YET.has(k)) r.problem(r.at([...p, k], true), `"${k}" on a role is not supported yet`);
    else params[k] = v;
  }
  const name = String(raw.role ?? raw.name);
  return roleItems(r, { name, params, dedupe: true, expose: true }, r.at(p), inheritFrom(r, raw, p, inh), flat, parseItems);
}
