// Playbooks: YAML -> typed plays and tasks, with the file:line:col of every part kept for errors.
// Structure and module arguments are checked here, before any connection; problems are collected, not thrown.
import { readTextFile } from '../local-files.ts';
import { dirname, relative, resolve } from 'node:path';
import type { Problem, Where } from '../errors.ts';
import type { ModuleDef } from '../module.ts';
import type { PlayDef, TaskDef } from './types.ts';
import { isTemplated } from '../vars/template.ts';
import { coerce, validate } from '../validate.ts';
import { loadWithPositions } from '../yaml/positions.ts';
import { ansibleBool } from '../yaml/schema.ts';
import { parseKv } from './kv.ts';


const PLAY_KEYS = new Set(['name', 'hosts', 'vars', 'become', 'tasks', 'handlers', 'gather_facts', 'tags']);
const TASK_KEYS = new Set(['name', 'when', 'loop', 'with_items', 'register', 'notify', 'listen', 'tags', 'become', 'ignore_errors', 'no_log', 'args']);

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A JSON pointer (ajv's instancePath) as a path of keys, list indexes as numbers (as positions are looked up). */
function pointerPath(args: unknown, pointer: string): Array<string | number> {
  let v: unknown = args;
  return pointer.split('/').slice(1).map((part) => {
    const key = Array.isArray(v) && /^\d+$/.test(part) ? Number(part) : part;
    v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined;
    return key;
  });
}

/** True when the value at `path` inside `args` is a template: its type is only known once rendered. */
function templatedAt(args: unknown, pointer: string): boolean {
  let v: unknown = args;
  for (const part of pointer.split('/').slice(1)) {
    if (!v || typeof v !== 'object') return false;
    v = (v as Record<string, unknown>)[part];
  }
  return typeof v === 'string' && isTemplated(v);
}

export type { PlayDef, TaskDef } from './types.ts';

export function parsePlaybook(path: string, modules: ReadonlyMap<string, ModuleDef>): { plays: PlayDef[]; problems: Problem[] } {
  const file = relative(process.cwd(), resolve(path)) || path;
  const problems: Problem[] = [];
  let text: string;
  try {
    text = readTextFile(path, 'playbook');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { plays: [], problems: [{ where: { file, line: 1, col: 1 }, message: e.code === 'EFBIG' ? e.message : `cannot read the playbook: ${e.code}` }] };
  }
  let doc: ReturnType<typeof loadWithPositions>;
  try {
    doc = loadWithPositions(text, file);
  } catch (err) {
    const e = err as { mark?: { line: number; column: number }; reason?: string; message: string };
    const where = e.mark ? { file, line: e.mark.line + 1, col: e.mark.column + 1 } : { file, line: 1, col: 1 };
    // The error names the file already given in `where`: "FILE:LINE:COL: " or "FILE: " (several documents).
    const message = e.reason ?? e.message.replace(/^.*?:\d+:\d+:\s*/, '').replace(`${file}: `, '').split('\n')[0];
    return { plays: [], problems: [{ where, message: `YAML: ${message}` }] };
  }
  const at = (p: Array<string | number>, key = false): Where => {
    const pos = (key ? doc.keyPos(p) : undefined) ?? doc.pos(p) ?? { line: 1, col: 1 };
    return { file, line: pos.line, col: pos.col };
  };
  if (!Array.isArray(doc.value)) {
    return { plays: [], problems: [{ where: at([]), message: 'a playbook is a list of plays' }] };
  }
  const dir = dirname(resolve(path));
  // A module by its name or one of Ansible's full names for it (ansible.builtin.copy).
  const byFqcn = new Map([...modules.values()].flatMap((m) => (m.fqcn ?? []).map((f) => [f, m] as const)));
  const moduleNamed = (k: string): ModuleDef | undefined => modules.get(k) ?? byFqcn.get(k);
  /**
   * A boolean keyword as Ansible reads it (yes/no/on/off/true/false/1/0 and their quoted forms); anything else,
   * a template included, is refused where it is written rather than guessed.
   */
  const flag = (raw: Record<string, unknown>, key: string, p: Array<string | number>): boolean | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    const b = ansibleBool(v);
    if (b === undefined) {
      const what = typeof v === 'string' && isTemplated(v) ? 'a template in a boolean keyword is not supported yet' : `${JSON.stringify(v)} is not a boolean`;
      problems.push({ where: at([...p, key]), message: `${key}: ${what} (yes/no, true/false, on/off, 1/0)` });
    }
    return b;
  };

  const parseTask = (raw: unknown, p: Array<string | number>, kind: string): TaskDef | undefined => {
    if (!isMap(raw)) {
      problems.push({ where: at(p), message: `a ${kind} is a mapping with a module and its arguments` });
      return undefined;
    }
    const moduleKeys = Object.keys(raw).filter((k) => !TASK_KEYS.has(k));
    const known = moduleKeys.filter((k) => moduleNamed(k));
    for (const k of moduleKeys.filter((k) => !moduleNamed(k))) {
      problems.push({ where: at([...p, k], true), message: `unknown module or task keyword "${k}"` });
    }
    if (known.length !== 1) {
      if (known.length > 1) problems.push({ where: at([...p, known[1]], true), message: `a ${kind} runs one module; found ${known.join(', ')}` });
      else if (moduleKeys.length === 0) problems.push({ where: at(p), message: `the ${kind} names no module` });
      return undefined;
    }
    const key = known[0];
    const mod = moduleNamed(key)!;
    const name = mod.name;
    let args = raw[key];
    if (typeof args === 'string' && mod.freeForm) {
      try {
        args = mod.freeForm(args);
      } catch (err) {
        problems.push({ where: at([...p, key]), message: `${name}: ${(err as Error).message}` });
        return undefined;
      }
    } else if (typeof args === 'string') {
      // Free-form `name=nginx state=present`: Ansible's key=value words.
      let kv: ReturnType<typeof parseKv>;
      try {
        kv = parseKv(args);
      } catch (err) {
        problems.push({ where: at([...p, key]), message: `${name}: ${(err as Error).message}` });
        return undefined;
      }
      if (kv.raw.length) {
        problems.push({ where: at([...p, key]), message: `${name} takes key=value arguments, not "${kv.raw[0]}"` });
        return undefined;
      }
      args = kv.args;
    } else if (args === null || args === undefined) args = {};
    if (!isMap(args)) {
      problems.push({ where: at([...p, key]), message: `the arguments of ${name} are a mapping${mod.freeForm ? ' or a string' : ''}` });
      return undefined;
    }
    // `args:` gives arguments too; those written with the module win (Ansible's order).
    if (raw.args !== undefined && !isMap(raw.args)) {
      problems.push({ where: at([...p, 'args']), message: 'args is a mapping of the module\'s arguments' });
      return undefined;
    }
    const extra = isMap(raw.args) ? raw.args : {};
    const taskArgs: Record<string, unknown> = { ...extra, ...args };
    const modPath = [...p, key];
    // Where an argument is written: with the module, or under `args:`.
    const own = isMap(raw[key]) ? raw[key] : {};
    const argAt = (sub: Array<string | number>, atKey = false): Where =>
      (sub.length && !(sub[0] in own) && sub[0] in extra ? at([...p, 'args', ...sub], atKey) : at([...modPath, ...sub], atKey));
    for (const prob of validate(mod.schema, coerce(mod.schema, structuredClone(taskArgs)))) {
      if (!prob.key && templatedAt(taskArgs, prob.path)) continue; // checked again once rendered
      const sub = pointerPath(taskArgs, prob.path);
      problems.push({ where: argAt(sub, Boolean(prob.key)), message: `${name}: ${prob.message}` });
    }
    if (raw.register !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(raw.register))) {
      problems.push({ where: at([...p, 'register']), message: `register needs a variable name, not "${raw.register}"` });
    }
    return {
      name: raw.name !== undefined ? String(raw.name) : `${name}`,
      module: name,
      args: taskArgs,
      when: raw.when,
      loop: raw.loop ?? raw.with_items,
      register: raw.register as string | undefined,
      notify: list(raw.notify),
      listen: list(raw.listen),
      tags: list(raw.tags),
      become: flag(raw, 'become', p),
      ignoreErrors: flag(raw, 'ignore_errors', p) ?? false,
      noLog: flag(raw, 'no_log', p) ?? false,
      where: at(p),
      argWhere: (sub) => argAt(sub),
      keyWhere: ([k, ...rest]) => {
        const pos = doc.pos([...p, k === 'loop' && raw.loop === undefined ? 'with_items' : k, ...rest]);
        return pos ? { file, ...pos } : at(p);
      },
    };
  };

  const plays: PlayDef[] = [];
  doc.value.forEach((raw, i) => {
    if (!isMap(raw)) {
      problems.push({ where: at([i]), message: 'a play is a mapping with hosts and tasks' });
      return;
    }
    for (const k of Object.keys(raw).filter((k) => !PLAY_KEYS.has(k))) {
      problems.push({ where: at([i, k], true), message: `unknown play keyword "${k}"` });
    }
    if (typeof raw.hosts !== 'string' || !raw.hosts.trim()) problems.push({ where: at([i]), message: 'a play needs `hosts:` (a pattern such as all, a group or a host)' });
    if (raw.vars !== undefined && !isMap(raw.vars)) problems.push({ where: at([i, 'vars']), message: 'vars is a mapping' });
    const tasks = Array.isArray(raw.tasks) ? raw.tasks : raw.tasks === undefined ? [] : null;
    const handlers = Array.isArray(raw.handlers) ? raw.handlers : raw.handlers === undefined ? [] : null;
    if (!tasks) problems.push({ where: at([i, 'tasks']), message: 'tasks is a list' });
    if (!handlers) problems.push({ where: at([i, 'handlers']), message: 'handlers is a list' });
    // Indexed as written: a task dropped for its problems must not shift the place of the next ones.
    const parsedTasks = (tasks ?? []).map((t: unknown, j: number) => parseTask(t, [i, 'tasks', j], 'task'));
    // A play's tags are every one of its tasks' tags too (Ansible's inheritance); handlers run when notified.
    const playTags = list(raw.tags);
    for (const t of parsedTasks) if (t) t.tags = [...new Set([...t.tags, ...playTags])];
    flag(raw, 'gather_facts', [i]);
    const play: PlayDef = {
      name: raw.name !== undefined ? String(raw.name) : String(raw.hosts),
      hosts: String(raw.hosts ?? ''),
      vars: isMap(raw.vars) ? raw.vars : {},
      become: flag(raw, 'become', [i]),
      tasks: parsedTasks.filter((t): t is TaskDef => !!t),
      handlers: (handlers ?? []).map((t: unknown, j: number) => parseTask(t, [i, 'handlers', j], 'handler')).filter((t): t is TaskDef => !!t),
      where: at([i]),
      dir,
    };
    const handlerNames = new Set(play.handlers.flatMap((h) => [h.name, ...h.listen]));
    parsedTasks.forEach((t, j) => {
      for (const n of t?.notify ?? []) if (!handlerNames.has(n)) problems.push({ where: at([i, 'tasks', j, 'notify']), message: `notify names no handler of this play: "${n}"` });
    });
    plays.push(play);
  });
  return { plays, problems };
}
