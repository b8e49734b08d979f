// A host's variables as its run goes on: what `register` and set_fact added (over play, role and task vars,
// under -e), and in check mode what a conditional set_fact left unknown; the scope one task sees.
import type { TaskDef } from './playbook/types.ts';
import { type ItemResult, type Tripwire, predicted, registered, registeredLoop, unknownInCheck } from './register.ts';
import type { TaskStatus } from './results.ts';
import { type TaskScope, withTaskVars } from './task-vars.ts';

export class HostVars {
  /** Registered results and set_fact variables. */
  private set: Record<string, unknown> = {};
  /** Check mode: variables a conditional set_fact may have set, and the unknown reads that made it conditional. */
  private unknown = new Map<string, string[]>();

  /** `pinned`: the extra variables (-e), which nothing overrides; `wire`: check mode's, else none. */
  constructor(private pinned: string[], private wire?: Tripwire) {}

  /**
   * A task's variables: the play's, its role's defaults under them, registered results and set_fact's over them,
   * its task and block vars between (per loop item: `more` holds the item), extra vars over all of them.
   */
  scope(task: TaskDef, vars: Record<string, unknown>, more: Record<string, unknown> = {}): TaskScope {
    const pinned = this.pinned;
    const base = { ...vars, ...this.set, ...more, ...Object.fromEntries(pinned.filter((k) => k in vars).map((k) => [k, vars[k]])) };
    // A role's defaults are under everything else: only those no other layer sets.
    const defaults = Object.fromEntries(Object.entries(task.defaults ?? {}).filter(([k]) => !(k in base)));
    const own = task.defaults ? { ...defaults, ...task.vars } : task.vars;
    const scope = withTaskVars(base, own, (k) => k in this.set || k in more || pinned.includes(k), this.wire);
    for (const [k, reads] of this.unknown) {
      if (pinned.includes(k) || k in more) continue;
      if (scope.vars === base) scope.vars = { ...base };
      delete scope.vars[k];
      scope.failed.set(k, { message: 'a set_fact before it was conditional', reads });
    }
    return scope;
  }

  /** What `register` records of a task (in check mode, a prediction where its steps would have run). */
  register(task: TaskDef, status: TaskStatus, items: ItemResult[]): void {
    if (!task.register) return;
    const one = items[0] ?? { status, item: undefined };
    // Unreachable, loop or not: one result for the whole task, as Ansible registers it.
    if (status === 'unreachable') {
      this.set[task.register] = registered(status, undefined, items.at(-1)?.result);
      return;
    }
    this.set[task.register] = task.loop !== undefined && items.length ? registeredLoop(task.register, items, this.wire, task.loopControl?.loopVar)
      : this.wire && (one.simulated || unknownInCheck(status)) ? predicted(task.register, status, this.wire, {}, task.until ? ['attempts'] : [])
        : registered(status, one.output, one.result);
  }

  /** What is set now (to compare with later: changedSince). */
  snapshot(): { set: Record<string, unknown>; unknown: Map<string, string[]> } {
    return { set: { ...this.set }, unknown: new Map(this.unknown) };
  }

  /** What set_fact (and register) changed since `before`: to apply to another host (run_once). */
  changedSince(before: ReturnType<HostVars['snapshot']>): { values: Record<string, unknown>; unknown: Array<[string, string[]]> } {
    return {
      values: Object.fromEntries(Object.entries(this.set).filter(([k, v]) => before.set[k] !== v)),
      unknown: [...this.unknown].filter(([k, reads]) => before.unknown.get(k) !== reads),
    };
  }

  /** Another host's changes (changedSince) made here too. */
  apply(changes: ReturnType<HostVars['changedSince']>): void {
    this.assign(changes.values);
    for (const [k, reads] of changes.unknown) this.unknown.set(k, reads);
  }

  /** set_fact, and the variables a block's rescue reads. */
  assign(values: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(values)) {
      this.set[k] = v;
      this.unknown.delete(k);
    }
  }

  /** Check mode: a set_fact that may or may not have run leaves these unknown, for the reasons in `reads`. */
  markUnknown(names: string[], reads: string[]): void {
    for (const n of names) this.unknown.set(n, reads);
  }

  /** `vars` with placeholders for the unknown ones: what a conditional task would touch, roughly. */
  guessed(vars: Record<string, unknown>): Record<string, unknown> {
    return { ...vars, ...Object.fromEntries([...this.unknown.keys()].filter((k) => !(k in vars)).map((k) => [k, `(unknown ${k})`])) };
  }
}
