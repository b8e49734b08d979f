// Task and block `vars:` as a task sees them. Ansible renders them lazily, when a name is read; nunjucks copies
// its context (every getter would run at every render), so here they are rendered when the task runs (per loop
// item, `item` in scope), each against the others, and one that cannot be rendered is left out: it is an error
// only if the task reads it, and the error is its own ("task var x: undefined variable y"), not "undefined x".
// Precedence as Ansible's: a task var beats play and inventory vars, not a registered result or an extra var.
import { hasTemplate, renderDeep } from './vars/vars.ts';
import type { Tripwire } from './register.ts';

/** A scope with a task's vars in it, and why each one left out could not be rendered. */
export type TaskScope = { vars: Record<string, unknown>; failed: Map<string, { message: string; reads: string[] }> };

/**
 * `base` with `taskVars` over it, except the names `outranks` keeps (registered results, extra vars). In check
 * mode a var that reads an unknown registered value is left out with those reads, and `wire` forgets them: they
 * count only if the task reads that var.
 */
export function withTaskVars(base: Record<string, unknown>, taskVars: Record<string, unknown> | undefined,
  outranks: (name: string) => boolean, wire?: Tripwire): TaskScope {
  const failed: TaskScope['failed'] = new Map();
  if (!taskVars) return { vars: base, failed };
  const vars = { ...base };
  const mine = Object.keys(taskVars).filter((k) => !outranks(k));
  for (const k of mine) vars[k] = taskVars[k];
  // Pass after pass, as resolveVars: a value naming another task var is rendered again once that one is.
  let pending = mine.filter((k) => hasTemplate(vars[k]));
  for (let pass = 0; pass < 10 && pending.length; pass++) {
    const next: string[] = [];
    for (const k of pending) {
      const before = wire?.reads.length ?? 0;
      try {
        vars[k] = renderDeep(vars[k], vars);
        if (hasTemplate(vars[k])) next.push(k);
        failed.delete(k);
      } catch (err) {
        failed.set(k, { message: (err as Error).message, reads: wire ? wire.reads.splice(before) : [] });
        next.push(k);
      }
    }
    if (next.length === pending.length && next.every((k) => failed.has(k))) break;
    pending = next;
  }
  for (const k of pending) {
    if (!failed.has(k)) failed.set(k, { message: 'it refers to itself through other variables (a cycle)', reads: [] });
    delete vars[k];
  }
  return { vars, failed };
}

/**
 * An error of a task whose scope left vars out: when it is that a left-out var is undefined, the var's own
 * error, and (check mode) the reads of unknown values that made it, put back on `wire`.
 */
export function explainLeftOut(err: Error, scope: TaskScope, wire?: Tripwire): Error {
  if (!scope.failed.size) return err;
  const names = /undefined variables? (.+)$/.exec(err.message)?.[1].match(/"[^"]+"/g)?.map((q) => q.slice(1, -1)) ?? [];
  const mine = names.filter((n) => scope.failed.has(n));
  if (!mine.length) return err;
  for (const n of mine) wire?.reads.push(...scope.failed.get(n)!.reads);
  return new Error(mine.map((n) => `task var "${n}": ${scope.failed.get(n)!.message}`).join('; '));
}
