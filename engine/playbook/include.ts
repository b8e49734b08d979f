// Reuse inside a task list, as Ansible has it: import_tasks and import_role are static (their tasks are expanded
// where written, and the import's when, tags, vars, become are handed down to each); include_tasks and
// include_role are dynamic (the include's own when and loop decide at run time whether and how often its tasks
// run, its vars reach them, its tags are its own). Either way the file is found and parsed at load, so its
// problems are reported before any host is contacted, but for an include with a `when`: Ansible reads that file
// only if it runs, so its problems are refused when it does (IncludeDef.deferred). A file name with a template in
// it is not supported yet.
// And meta: flush_handlers / noop.
import type { Where } from '../errors.ts';
import { WITH_LOOKUPS } from '../loops.ts';
import { isTemplated } from '../vars/template.ts';
import { inheritFrom } from './inherit.ts';
import { findFile, readTaskFile, shown } from './files.ts';
import { type Path, type Reader, TASK_KEYWORDS_NOT_YET, isMap } from './reader.ts';
import { roleItems } from './roles.ts';
import { type Inherited, keywords } from './task.ts';
import type { IncludeDef, Item, MetaDef, TaskDef } from './types.ts';

export type ParseItems = (r: Reader, raw: unknown[], p: Path, kind: string, inh: Inherited, flat: TaskDef[]) => Item[];
type Kind = 'import_tasks' | 'include_tasks' | 'import_role' | 'include_role';
export const KINDS: Kind[] = ['import_tasks', 'include_tasks', 'import_role', 'include_role'];
const prefixes = ['', 'ansible.builtin.', 'ansible.legacy.'];

/** The keys each form takes besides its own (the rest are refused: not supported yet, or unknown). */
const STATIC_KEYS = ['name', 'when', 'tags', 'vars', 'become', 'become_user', 'become_method', 'check_mode', 'environment', 'ignore_errors', 'ignore_unreachable', 'no_log'];
const DYNAMIC_KEYS = [...STATIC_KEYS, 'loop', 'loop_control', ...WITH_LOOKUPS.map((w) => `with_${w}`)];
const ROLE_ARGS = new Set(['name', 'tasks_from']);

/** Which reuse keyword an item is, and the key it is written with (import_tasks, ansible.builtin.include_role...). */
export function reuseKey(raw: Record<string, unknown>): { kind: Kind; key: string } | undefined {
  for (const kind of KINDS) {
    const key = prefixes.map((p) => p + kind).find((k) => k in raw);
    if (key) return { kind, key };
  }
  return undefined;
}

/** A task file named by an import or include: relative to the file naming it, then the playbook's directory. */
function taskFile(r: Reader, name: string, where: Where, what: string, flatInh: Inherited): string | undefined {
  const dirs = [r.dir, ...(flatInh.role ? [`${flatInh.role.dir}/tasks`] : []), r.origin.playDir];
  const abs = findFile(name, dirs);
  if (!abs) r.problem(where, `${what}: task file "${name}" not found (looked in ${[...new Set(dirs)].map(shown).join(', ')})`);
  return abs;
}

/** The items an import or include stands for: spread in place (import), or one IncludeDef (include). */
export function parseReuse(r: Reader, raw: Record<string, unknown>, p: Path, { kind, key }: { kind: Kind; key: string }, listKind: string,
  inh: Inherited, flat: TaskDef[], parseItems: ParseItems): Item[] {
  if (listKind !== 'task') {
    r.problem(r.at([...p, key], true), `${kind} in ${listKind}s is not supported yet`);
    return [];
  }
  const dynamic = kind.startsWith('include');
  const allowed = new Set([key, ...(dynamic ? DYNAMIC_KEYS : STATIC_KEYS)]);
  let ok = true;
  for (const k of Object.keys(raw).filter((k) => !allowed.has(k))) {
    ok = false;
    const loopOnImport = !dynamic && (k === 'loop' || k.startsWith('with_'));
    r.problem(r.at([...p, k], true), loopOnImport ? `${kind} takes no loop (it is expanded when the playbook is read): use ${kind.replace('import', 'include')}`
      : TASK_KEYWORDS_NOT_YET.has(k) || k.startsWith('with_') ? `"${k}" on ${kind} is not supported yet` : `unknown keyword "${k}" on ${kind}`);
  }
  const where = r.at([...p, key]);
  const arg = raw[key];
  const args: Record<string, unknown> = typeof arg === 'string' ? (kind.endsWith('role') ? { name: arg } : { file: arg }) : isMap(arg) ? arg : {};
  const main = kind.endsWith('role') ? 'name' : 'file';
  for (const k of Object.keys(args).filter((k) => k !== main && !(kind.endsWith('role') && ROLE_ARGS.has(k)))) {
    ok = false;
    r.problem(r.at([...p, key, k], true), `${kind}: the argument "${k}" is not supported yet`);
  }
  const target = args[main];
  if (typeof target !== 'string' || !target) {
    r.problem(where, `${kind} needs ${kind.endsWith('role') ? 'a role name' : 'a task file'}`);
    return [];
  }
  if (isTemplated(target) || (typeof args.tasks_from === 'string' && isTemplated(args.tasks_from))) {
    r.problem(where, `${kind}: a template in the ${kind.endsWith('role') ? 'role' : 'file'} name is not supported yet (it is read when the playbook is)`);
    return [];
  }
  if (!ok) return [];
  // Static: the import's keywords go to every task in it. Dynamic: only its vars do; its when and loop are its own.
  const inner = dynamic ? { ...inh, vars: { ...inh.vars, ...(isMap(raw.vars) ? raw.vars : {}) } } : inheritFrom(r, raw, p, inh);
  const inFlat: TaskDef[] = [];
  // A dynamic include with a `when` is read by Ansible only if it runs: what provision cannot run in it is refused
  // then, at its file:line:col (before any of its tasks), not now; validate shows it as a warning.
  const deferFrom = dynamic && raw.when !== undefined ? r.problems.length : undefined;
  let items: Item[];
  if (kind.endsWith('role')) {
    items = roleItems(r, { name: target, params: {}, tasksFrom: args.tasks_from as string | undefined, dedupe: false, expose: !dynamic },
      where, inner, inFlat, parseItems);
  } else {
    const abs = taskFile(r, target, where, kind, inh);
    const child = abs ? readTaskFile(r, abs, where, 'task file') : undefined;
    if (!child) return [];
    const list = child.doc.value ?? [];
    if (!Array.isArray(list)) {
      r.problem(child.at([]), 'a task file is a list of tasks');
      return [];
    }
    items = parseItems(child, list, [], 'task', inner, inFlat);
  }
  flat.push(...inFlat);
  if (!dynamic) return items;
  const deferred = deferFrom === undefined ? [] : r.problems.splice(deferFrom);
  // Unnamed, Ansible calls an include_role "include_role : NAME", an include_tasks by the action written.
  const include: TaskDef = { ...keywords(r, raw, p, inh, kind.endsWith('role') ? `${key} : ${target}` : key), module: kind, args,
    argWhere: (sub) => r.at([...p, key, ...sub]) };
  return [{ include, items, ...(deferred.length ? { deferred } : {}) } satisfies IncludeDef];
}

/**
 * meta: flush_handlers runs the handlers notified so far; noop does nothing; end_host ends the play for the host
 * (no failure, no handlers), end_play for every host of the batch (its when judged on the batch's first host, as
 * Ansible's linear strategy does). The rest are not supported yet.
 */
export function parseMeta(r: Reader, raw: Record<string, unknown>, p: Path, listKind: string, inh: Inherited): MetaDef | undefined {
  const what = raw.meta;
  const extra = Object.keys(raw).filter((k) => !['meta', 'name', 'when', 'tags'].includes(k));
  for (const k of extra) r.problem(r.at([...p, k], true), `"${k}" on meta is not supported yet`);
  if (what !== 'flush_handlers' && what !== 'noop' && what !== 'end_host' && what !== 'end_play') {
    r.problem(r.at([...p, 'meta']), typeof what === 'string' ? `meta: ${what} is not supported yet (flush_handlers, noop, end_host and end_play are)`
      : 'meta takes the name of an action (flush_handlers, noop, end_host, end_play)');
    return undefined;
  }
  if (raw.when !== undefined && what === 'flush_handlers') {
    r.problem(r.at([...p, 'when']), 'meta: flush_handlers takes no when (Ansible ignores it there)');
    return undefined;
  }
  if (listKind !== 'task' || extra.length) {
    if (listKind !== 'task') r.problem(r.at([...p, 'meta'], true), `meta in ${listKind}s is not supported yet`);
    return undefined;
  }
  return { meta: what, task: { ...keywords(r, raw, p, inh, 'meta'), module: 'meta', args: { action: what }, argWhere: () => r.at([...p, 'meta']) } };
}
