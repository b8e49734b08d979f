// One task of a playbook: its module (by name or full name), its arguments (a mapping, free-form key=value words,
// `args:`) checked against the module's schema, its keywords, and what the blocks around it give it.
import { PY_KEYWORDS, isVarName } from '../vars/python.ts';
import type { Where } from '../errors.ts';
import type { TaskDef } from './types.ts';
import { isTemplated } from '../vars/template.ts';
import { coerce, validate } from '../validate.ts';
import { parseKv } from './kv.ts';
import { type Path, type Reader, TASK_KEYWORDS_NOT_YET, isMap, list } from './reader.ts';
import { type LoopControl, WITH_LOOKUPS } from '../loops.ts';

export const TASK_KEYS = new Set(['name', 'when', 'loop', ...WITH_LOOKUPS.map((w) => `with_${w}`), 'loop_control', 'register', 'notify', 'listen', 'tags',
  'become', 'become_user', 'become_method', 'ignore_errors', 'no_log', 'args', 'vars', 'changed_when', 'failed_when', 'until', 'retries', 'delay',
  'check_mode', 'environment', 'run_once', 'delegate_to', 'ignore_unreachable']);

const CONTROL_KEYS: Record<string, keyof LoopControl> = { loop_var: 'loopVar', index_var: 'indexVar', label: 'label', pause: 'pause', extended: 'extended' };

/** loop_control: the loop variable's name, index_var, label, pause (seconds), extended (ansible_loop). */
function loopControlOf(r: Reader, raw: Record<string, unknown>, p: Path, hasLoop: boolean): LoopControl | undefined {
  const c = raw.loop_control;
  if (c === undefined || c === null) return undefined;
  const at = (k: string, key = false) => r.at([...p, 'loop_control', k], key);
  if (!isMap(c)) {
    r.problem(r.at([...p, 'loop_control']), 'loop_control is a mapping (loop_var, index_var, label, pause, extended)');
    return undefined;
  }
  if (!hasLoop) r.problem(r.at([...p, 'loop_control'], true), 'loop_control without a loop');
  const out: LoopControl = { loopVar: 'item' };
  for (const [k, v] of Object.entries(c)) {
    const field = CONTROL_KEYS[k];
    if (!field) r.problem(at(k, true), `loop_control: "${k}" is not supported yet`);
    else if ((field === 'loopVar' || field === 'indexVar') && !isVarName(v)) r.problem(at(k), `loop_control: ${k} needs a variable name${PY_KEYWORDS.includes(String(v)) ? ` (${v} is a Python keyword)` : ''}`);
    else if (field === 'pause' && !(typeof v === 'number' && v >= 0)) r.problem(at(k), 'loop_control: pause is a number of seconds');
    else if (field === 'extended') out.extended = r.flag(c, 'extended', [...p, 'loop_control']) ?? false;
    else (out as Record<string, unknown>)[field] = v;
  }
  return out;
}

/** What the blocks around a task give it. */
export type Inherited = {
  when: Array<{ cond: unknown; where: Where }>;
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  checkMode?: boolean;
  /** run_once of the blocks around the task. */
  runOnce?: boolean;
  /** delegate_to of the blocks around the task. */
  delegateTo?: string;
  /** environment of the play, blocks, role or import around the task, outermost first. */
  environment?: unknown[];
  ignoreErrors?: boolean | string;
  /** ignore_unreachable of the play, blocks, role or import around the task. */
  ignoreUnreachable?: boolean;
  noLog?: boolean;
  /** The blocks' `vars`, the inner block's winning. */
  vars: Record<string, unknown>;
  /** The role whose files these are, and its defaults (under every other variable). */
  role?: { name: string; dir: string };
  defaults?: Record<string, unknown>;
};
export const NOTHING: Inherited = { when: [], tags: [], vars: {} };

/** delegate_to: a host name, or a template giving one (rendered when the task runs). */
export function delegateOf(r: Reader, raw: Record<string, unknown>, p: Path): string | undefined {
  const v = raw.delegate_to;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !v.trim()) {
    r.problem(r.at([...p, 'delegate_to']), 'delegate_to names a host (an inventory host, or localhost)');
    return undefined;
  }
  return v.trim();
}

/** A mapping of variables (task or block `vars:`): problems at its place. */
export function varsOf(r: Reader, raw: Record<string, unknown>, p: Path): Record<string, unknown> {
  if (raw.vars === undefined || raw.vars === null) return {};
  if (!isMap(raw.vars)) {
    r.problem(r.at([...p, 'vars']), 'vars is a mapping of variable names to values');
    return {};
  }
  for (const k of Object.keys(raw.vars)) {
    if (!isVarName(k)) r.problem(r.at([...p, 'vars', k], true), `"${k}" is not a variable name${PY_KEYWORDS.includes(k) ? ' (a Python keyword)' : ''}`);
  }
  return raw.vars;
}

/** retries or delay: a whole number (a template is not supported yet), as { key: n }, or nothing. */
function count(r: Reader, raw: Record<string, unknown>, p: Path, key: 'retries' | 'delay'): Record<string, number> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return { [key]: n };
  r.problem(r.at([...p, key]), typeof v === 'string' && isTemplated(v) ? `${key}: a template is not supported yet` : `${key} is a whole number`);
  return {};
}

/** environment: a mapping of variable names to values, or a template giving one; inner layers win, at run time. */
export function environmentOf(r: Reader, raw: Record<string, unknown>, p: Path): unknown[] {
  const e = raw.environment;
  if (e === undefined || e === null) return [];
  if (typeof e === 'string' ? !isTemplated(e) : !isMap(e)) {
    r.problem(r.at([...p, 'environment']), 'environment is a mapping of variable names to values (or a template that gives one)');
    return [];
  }
  if (isMap(e)) {
    for (const k of Object.keys(e)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) r.problem(r.at([...p, 'environment', k], true), `"${k}" is not an environment variable name`);
  }
  return [e];
}

/** A condition keyword (changed_when, failed_when, until) as a list of conditions; undefined when absent. */
const conditions = (v: unknown): unknown[] | undefined => (v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v]);

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

export function parseTask(r: Reader, raw: unknown, p: Path, kind: string, inh: Inherited = NOTHING): TaskDef | undefined {
  if (!isMap(raw)) {
    r.problem(r.at(p), `a ${kind} is a mapping with a module and its arguments`);
    return undefined;
  }
  const moduleKeys = Object.keys(raw).filter((k) => !TASK_KEYS.has(k));
  const known = moduleKeys.filter((k) => r.module(k));
  for (const k of moduleKeys.filter((k) => !r.module(k))) {
    r.problem(r.at([...p, k], true), TASK_KEYWORDS_NOT_YET.has(k) ? `the task keyword "${k}" is not supported yet` : `unknown module or task keyword "${k}"`);
  }
  if (known.length !== 1) {
    if (known.length > 1) r.problem(r.at([...p, known[1]], true), `a ${kind} runs one module; found ${known.join(', ')}`);
    else if (moduleKeys.length === 0) r.problem(r.at(p), `the ${kind} names no module`);
    return undefined;
  }
  const key = known[0];
  const mod = r.module(key)!;
  const name = mod.name;
  let args = raw[key];
  if (typeof args === 'string' && mod.freeForm) {
    try {
      args = mod.freeForm(args);
    } catch (err) {
      r.problem(r.at([...p, key]), `${name}: ${(err as Error).message}`);
      return undefined;
    }
  } else if (typeof args === 'string') {
    // Free-form `name=nginx state=present`: Ansible's key=value words.
    let kv: ReturnType<typeof parseKv>;
    try {
      kv = parseKv(args);
    } catch (err) {
      r.problem(r.at([...p, key]), `${name}: ${(err as Error).message}`);
      return undefined;
    }
    if (kv.raw.length) {
      r.problem(r.at([...p, key]), `${name} takes key=value arguments, not "${kv.raw[0]}"`);
      return undefined;
    }
    args = kv.args;
  } else if (args === null || args === undefined) args = {};
  if (!isMap(args)) {
    r.problem(r.at([...p, key]), `the arguments of ${name} are a mapping${mod.freeForm ? ' or a string' : ''}`);
    return undefined;
  }
  // `args:` gives arguments too; those written with the module win (Ansible's order).
  if (raw.args !== undefined && !isMap(raw.args)) {
    r.problem(r.at([...p, 'args']), 'args is a mapping of the module\'s arguments');
    return undefined;
  }
  const extra = isMap(raw.args) ? raw.args : {};
  const written: Record<string, unknown> = { ...extra, ...args };
  const modPath = [...p, key];
  // Where an argument is written: with the module, or under `args:`.
  const own = isMap(raw[key]) ? raw[key] : {};
  // Ansible's other names of an argument (lineinfile's dest for path) are taken as the argument itself.
  const { args: taskArgs, writtenAs } = canonicalArgs(written, mod.aliases ?? {}, (alias, canonical) =>
    r.problem(r.at(alias in own ? [...modPath, alias] : [...p, 'args', alias], true), `${name}: "${alias}" and "${canonical}" are the same argument: give one`));
  const at = (sub: Array<string | number>) => (sub.length && typeof sub[0] === 'string' && writtenAs[sub[0]] ? [writtenAs[sub[0]], ...sub.slice(1)] : sub);
  // A free-form argument (`debug: msg=...`) has no place of its own: the module's value is where it is written.
  const argAt = (canonical: Array<string | number>, atKey = false): Where => {
    const sub = at(canonical);
    return sub.length && !(sub[0] in own) && sub[0] in extra ? r.at([...p, 'args', ...sub], atKey)
      : (atKey ? undefined : r.maybeAt([...modPath, ...sub])) ?? (r.doc.pos([...modPath, ...sub]) ? r.at([...modPath, ...sub], atKey) : r.at(modPath));
  };
  for (const prob of validate(mod.schema, coerce(mod.schema, structuredClone(taskArgs)))) {
    if (!prob.key && templatedAt(taskArgs, prob.path)) continue; // checked again once rendered
    const sub = pointerPath(taskArgs, prob.path);
    r.problem(argAt(sub, Boolean(prob.key)), `${name}: ${prob.message}`);
  }
  return {
    ...keywords(r, raw, p, inh, key),
    module: name,
    args: taskArgs,
    argWhere: (sub) => argAt(sub),
  };
}

/**
 * Arguments with Ansible's other names for them (aliases: alias -> argument) under the argument's own name, and
 * the name each was written with; an argument given under two of its names is a problem (`both`).
 */
export function canonicalArgs(written: Record<string, unknown>, aliases: Record<string, string>, both: (alias: string, canonical: string) => void):
  { args: Record<string, unknown>; writtenAs: Record<string, string> } {
  const args: Record<string, unknown> = {};
  const writtenAs: Record<string, string> = {};
  for (const [k, v] of Object.entries(written)) {
    const canonical = aliases[k] ?? k;
    if (canonical in args) {
      both(k, canonical);
      continue;
    }
    args[canonical] = v;
    if (canonical !== k) writtenAs[canonical] = k;
  }
  return { args, writtenAs };
}

/**
 * What a task says besides its module: name (`unnamed` when it has none, as Ansible names it by the action
 * written), when, loop, register, notify, tags, become, ignore_errors, no_log, vars, changed_when, failed_when,
 * and what the blocks (or the role, or the import) around it give it.
 */
export function keywords(r: Reader, raw: Record<string, unknown>, p: Path, inh: Inherited, unnamed: string): Omit<TaskDef, 'module' | 'args' | 'argWhere'> {
  if (raw.register !== undefined && !isVarName(raw.register)) {
    r.problem(r.at([...p, 'register']), `register needs a variable name, not "${raw.register}"${PY_KEYWORDS.includes(String(raw.register)) ? ' (a Python keyword: Ansible refuses it too)' : ''}`);
  }
  // Inside blocks: their conditions come first, their tags add up, their become/ignore_errors/no_log are the default.
  const ownWhen = raw.when === undefined ? [] : Array.isArray(raw.when) ? raw.when : [raw.when];
  const ownWhere = ownWhen.map((_, i) => r.maybeAt(Array.isArray(raw.when) ? [...p, 'when', i] : [...p, 'when']) ?? r.at(p));
  const become = r.flag(raw, 'become', p);
  const becomeUser = r.becomeUser(raw, p) ?? inh.becomeUser;
  const checkMode = r.flag(raw, 'check_mode', p) ?? inh.checkMode;
  const runOnce = r.flag(raw, 'run_once', p) ?? inh.runOnce;
  const delegateTo = delegateOf(r, raw, p) ?? inh.delegateTo;
  const ignoreErrors = r.flagOrTemplate(raw, 'ignore_errors', p);
  const ignoreUnreachable = r.flag(raw, 'ignore_unreachable', p) ?? inh.ignoreUnreachable;
  const noLog = r.flag(raw, 'no_log', p);
  const vars = { ...inh.vars, ...varsOf(r, raw, p) };
  const loops = ['loop', ...WITH_LOOKUPS.map((w) => `with_${w}`)].filter((k) => k in raw);
  if (loops.length > 1) r.problem(r.at([...p, loops[1]], true), `${loops[0]} and ${loops[1]}: a task has one loop`);
  const loopKey = loops[0];
  const loopControl = loopControlOf(r, raw, p, loopKey !== undefined);
  return {
    name: raw.name !== undefined && raw.name !== null ? String(raw.name) : unnamed,
    when: inh.when.length ? [...inh.when.map((c) => c.cond), ...ownWhen] : raw.when,
    loop: loopKey === undefined ? undefined : raw[loopKey],
    ...(loopKey && loopKey !== 'loop' ? { loopWith: loopKey.slice('with_'.length) } : {}),
    ...(loopControl ? { loopControl } : {}),
    register: raw.register as string | undefined,
    notify: list(raw.notify),
    listen: list(raw.listen),
    tags: [...new Set([...list(raw.tags), ...inh.tags])],
    become: become ?? inh.become,
    ...(becomeUser ? { becomeUser } : {}),
    ...(checkMode !== undefined ? { checkMode } : {}),
    ...(runOnce ? { runOnce } : {}),
    ...(delegateTo !== undefined ? { delegateTo } : {}),
    ...(() => {
      const environment = [...(inh.environment ?? []), ...environmentOf(r, raw, p)];
      return environment.length ? { environment } : {};
    })(),
    ignoreErrors: ignoreErrors ?? inh.ignoreErrors ?? false,
    ...(ignoreUnreachable !== undefined ? { ignoreUnreachable } : {}),
    noLog: noLog ?? inh.noLog ?? false,
    ...(Object.keys(vars).length ? { vars } : {}),
    ...(conditions(raw.changed_when) ? { changedWhen: conditions(raw.changed_when) } : {}),
    ...(conditions(raw.failed_when) ? { failedWhen: conditions(raw.failed_when) } : {}),
    ...(conditions(raw.until) ? { until: conditions(raw.until) } : {}),
    ...count(r, raw, p, 'retries'),
    ...count(r, raw, p, 'delay'),
    ...(inh.role ? { role: inh.role } : {}),
    ...(inh.defaults ? { defaults: inh.defaults } : {}),
    where: r.at(p),
    keyWhere: ([k, ...rest]) => {
      const pos = r.doc.pos([...p, k === 'loop' && loopKey ? loopKey : k, ...rest]);
      return pos ? { file: r.file, ...pos } : r.at(p);
    },
    ...(inh.when.length ? { whenWhere: [...inh.when.map((c) => c.where), ...ownWhere] } : {}),
  };
}
