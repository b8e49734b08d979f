// Task control, pure: whether a task is selected by tags, whether its `when` holds, the items of its loop,
// its arguments rendered and checked, and the status of a task from its items'.
import type { ModuleDef, Step } from './module.ts';
import { pyStr } from './vars/python.ts';
import { ansibleBool } from './yaml/schema.ts';
import type { TaskDef } from './playbook/types.ts';
import type { TaskStatus } from './results.ts';
import { coerce, validate } from './validate.ts';
import { renderValue } from './vars/template.ts';
import { conditionsHold } from './task-rules.ts';
import { expandLoop, loopVars } from './loops.ts';
import { renderDeep } from './vars/vars.ts';

/** Selected by --tags / --skip-tags: `always` runs unless skipped by name. */
export function selected(task: TaskDef, tags: string[], skipTags: string[]): boolean {
  if (task.tags.includes('always')) return !skipTags.includes('always');
  if (tags.length && !task.tags.some((t) => tags.includes(t))) return false;
  return !task.tags.some((t) => skipTags.includes(t));
}

/** Every `when` condition holds (a bare expression or a {{ template }}). */
export function whenHolds(task: TaskDef, vars: Record<string, unknown>): boolean {
  if (task.when === undefined) return true;
  return conditionsHold(Array.isArray(task.when) ? task.when : [task.when], vars);
}

/** The items of a task's loop (one undefined item when it has none). */
export function loopItems(task: TaskDef, vars: Record<string, unknown>): unknown[] {
  if (task.loop === undefined) return [undefined];
  const terms = typeof task.loop === 'string' ? renderValue(task.loop, vars) : renderDeep(task.loop, vars);
  const where = { playDir: vars.playbook_dir as string | undefined, rolePath: vars.role_path as string | undefined };
  return expandLoop(task.loopWith, terms, where);
}

/** The variables of item `index` of a task's loop (none without a loop). */
export const itemVars = (task: TaskDef, items: unknown[], index: number): Record<string, unknown> =>
  (task.loop === undefined ? {} : loopVars(task.loopControl, items, index));

/** The value of the magic variable `omit`: an argument that renders to it is left out, as in Ansible. */
export const OMIT = '__omit_place_holder__provision';

/** `v` without the mapping entries and list items that are `omit`. */
function withoutOmitted(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT).map(withoutOmitted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== OMIT).map(([k, x]) => [k, withoutOmitted(x)]));
  return v;
}

/** The task's arguments rendered with `vars`, typed as its schema wants; throws listing what is wrong with them. */
export function renderArgs(mod: ModuleDef, task: TaskDef, vars: Record<string, unknown>): Record<string, unknown> {
  const args = coerce(mod.schema, withoutOmitted(renderDeep(task.args, vars))) as Record<string, unknown>;
  const problems = validate(mod.schema, args);
  if (problems.length) throw new Error(`${task.module}: ${problems.map((p) => p.message).join('; ')}`);
  return args;
}

/** The task with its templated boolean keywords (ignore_errors) judged with `vars`, as Ansible's boolean(). */
export function resolvedFlags(task: TaskDef, vars: Record<string, unknown>): TaskDef {
  if (typeof task.ignoreErrors !== 'string') return task;
  const v = renderValue(task.ignoreErrors, vars);
  const b = typeof v === 'boolean' ? v : ansibleBool(v);
  if (b === undefined) throw new Error(`ignore_errors: ${JSON.stringify(v)} is not a boolean`);
  return { ...task, ignoreErrors: b };
}

/** A task's environment (its layers rendered, the inner winning, values as text), or undefined when it has none. */
export function taskEnvironment(task: TaskDef, vars: Record<string, unknown>): Record<string, string> | undefined {
  if (!task.environment?.length) return undefined;
  const env: Record<string, string> = {};
  for (const layer of task.environment) {
    const v = typeof layer === 'string' ? renderValue(layer, vars) : renderDeep(layer, vars);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`environment must give a mapping of variable names to values, not ${JSON.stringify(v)}`);
    for (const [k, x] of Object.entries(v)) env[k] = pyStr(x);
  }
  return env;
}

/** Steps that run commands, with the task's environment under their own. */
export function withEnvironment(steps: Step[], env: Record<string, string> | undefined): Step[] {
  if (!env) return steps;
  return steps.map((s) => ('exec' in s || 'shell' in s ? { ...s, env: { ...env, ...s.env } } : s));
}

/** A task's status from its items': failed, else conditional, else changed, else skipped if all were, else ok. */
export function taskStatus(items: TaskStatus[]): TaskStatus {
  return items.includes('unreachable') ? 'unreachable' : items.includes('failed') ? 'failed' : items.includes('conditional') ? 'conditional'
    : items.includes('changed') ? 'changed' : items.every((s) => s === 'skipped') ? 'skipped' : 'ok';
}
