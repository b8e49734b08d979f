// Planning a task: a host's fact cache (what is known, what a simulated change made unknown), the effects of
// changes on it, and planTask, the one function through which both the engine and the module test runners
// plan, so that a module reading a fact it did not declare fails in both.
import type { Change, Effect, FactDef, ModuleDef, PlanContext } from './module.ts';

/** A plan read a lazy fact not known yet: gather it, then plan again. */
export class NeedFact extends Error {
  constructor(readonly def: FactDef) {
    super(`fact ${def.key} not gathered`);
  }
}

/** Where a plan's facts come from: the engine's cache, or a test's fixture. */
export type KnownFacts = { has(key: string): boolean; get(key: string): unknown };

/**
 * Plans a task with the facts known. A read of a fact the module did not declare for these arguments throws (a
 * bug in the module); a read of a lazy fact not known throws NeedFact; of an eager one not known, an error.
 */
export function planTask<A>(mod: ModuleDef<A>, args: A, ctx: PlanContext, known: KnownFacts): Change[] {
  const declared = new Set(mod.facts(args, ctx).map((d) => d.key));
  return mod.plan(args, {
    get<T>(def: FactDef<T>): T {
      if (!declared.has(def.key)) throw new Error(`module ${mod.name} read fact "${def.key}" without declaring it: a bug in the module`);
      if (!known.has(def.key)) {
        if (def.lazy) throw new NeedFact(def);
        throw new Error(`module ${mod.name} read fact "${def.key}", which was not gathered`);
      }
      return known.get(def.key) as T;
    },
  }, ctx);
}

/** Plans; a lazy fact the plan asks for is gathered (`gather`, one exec) and the plan run again. */
export async function planGathering<A>(mod: ModuleDef<A>, args: A, ctx: PlanContext, known: KnownFacts,
  gather: (defs: FactDef[]) => Promise<void>): Promise<Change[]> {
  for (let round = 0; ; round++) {
    try {
      return planTask(mod, args, ctx, known);
    } catch (err) {
      if (!(err instanceof NeedFact) || round > 8) throw err;
      await gather([err.def]);
    }
  }
}

/** After a task's changes ran, its module planned again: anything still planned is an engine error. */
export function notConverged(module: string, again: Change[]): string | undefined {
  if (!again.length) return undefined;
  return `engine error: module ${module} still plans changes after its own changes ran (${again.map((c) => c.summary).join('; ')}): a bug in the module`;
}

/**
 * A host's facts as far as they are known. In check mode a change is not made but its effects are applied
 * here, so later tasks plan against the state it would leave; a fact it leaves unknown makes readers conditional.
 */
export class FactCache implements KnownFacts {
  private values = new Map<string, unknown>();
  private unknownKeys = new Set<string>();
  private unknownPrefixes: string[] = [];
  private allUnknown = false;
  /** Check mode: some change on this host was simulated, not made. */
  simulated = false;
  /** Check mode: facts whose value a simulated change set (predicted, not read from the host). */
  private predicted = new Set<string>();
  /** Whom each fact was read from the host as (a task's become user, or the connection's). */
  private readAs = new Map<string, string>();

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): unknown {
    return this.values.get(key);
  }

  /** A fact's value; `as`: read from the host as this user. */
  set(key: string, value: unknown, as?: string): void {
    this.values.set(key, value);
    if (as === undefined) this.readAs.delete(key);
    else this.readAs.set(key, as);
  }

  /**
   * Forgets the facts of `defs` read from the host as another user than `as`, so that they are read again as `as`:
   * a path another user cannot see, its `~`, its crontab. A value a simulated change set (check mode) is the host as
   * the change would leave it, whoever reads it: kept.
   */
  forgetReadByOthers(defs: FactDef[], as: string): void {
    for (const d of defs) {
      const by = this.readAs.get(d.key);
      if (by !== undefined && by !== as && this.values.has(d.key) && !this.predicted.has(d.key)) this.values.delete(d.key);
    }
  }

  get size(): number {
    return this.values.size;
  }

  /** Forgets every value (they are read again); what is unknown stays unknown. */
  clear(): void {
    this.values.clear();
  }

  /** Forgets one fact's value and that it was unknown: it is read again. */
  forget(key: string): void {
    this.values.delete(key);
    this.unknownKeys.delete(key);
  }

  /** The facts among `defs` not known yet. */
  missing(defs: FactDef[]): FactDef[] {
    return defs.filter((d) => !this.values.has(d.key));
  }

  /** Check mode: no gathering can tell this fact, because a simulated change touched it. */
  isUnknown(key: string): boolean {
    return this.allUnknown || this.unknownKeys.has(key) || this.unknownPrefixes.some((p) => key.startsWith(p));
  }

  /** Check mode: a fact that cannot be known, itself or through what it depends on (set or touched by a simulated change). */
  isUnknownFact(def: FactDef): boolean {
    return this.isUnknown(def.key) || (def.dependsOn ?? []).some((k) => (k.endsWith('*') ? this.touchedUnder(k.slice(0, -1)) : this.isUnknown(k) || this.predicted.has(k)));
  }

  /** Check mode: some fact whose key starts with `prefix` was set or touched by a simulated change (a dependsOn "key*"). */
  private touchedUnder(prefix: string): boolean {
    const under = (k: string) => k.startsWith(prefix);
    return this.allUnknown || [...this.unknownKeys].some(under) || [...this.predicted].some(under) || this.unknownPrefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p));
  }

  /** What a task that may or may not run would change: its facts, but for those it only reads. */
  markUnknown(defs: FactDef[]): void {
    for (const d of defs) if (!d.readOnly) this.unknownKeys.add(d.key);
  }

  /** Check mode: what a task that could not be planned may have changed (its module's side effects) is unknown. */
  markEffectsUnknown(effects: Effect[]): void {
    this.applyEffects(effects.map((e) => ('value' in e ? { key: e.key, unknown: true as const } : e)), true);
  }

  /** Check mode (`simulate`): the state the change leaves. Apply: forget what it touched, so it is read again. */
  applyEffects(effects: Effect[], simulate: boolean): void {
    if (simulate) this.simulated = true;
    for (const e of effects) {
      if ('all' in e) {
        this.values.clear();
        if (simulate) this.allUnknown = true;
      } else if ('prefix' in e) {
        for (const k of [...this.values.keys()]) if (k.startsWith(e.prefix)) this.values.delete(k);
        if (simulate) this.unknownPrefixes.push(e.prefix);
      } else if ('value' in e && simulate) {
        this.values.set(e.key, e.value);
        this.unknownKeys.delete(e.key);
        this.predicted.add(e.key);
      } else {
        this.values.delete(e.key);
        if (simulate) this.unknownKeys.add(e.key);
      }
    }
  }
}
