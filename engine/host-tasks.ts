// One task on one host: each loop item through until.ts, changed_when/failed_when (task-rules.ts), the module's
// plan and steps (plan.ts, step-run.ts) or, for a module of this machine, local-run.ts; in --check, what a task
// that cannot be planned leaves unknown, and a check_mode: false task run for real.
import { type Become } from './become.ts';
import { type Change, type FactDef, type Facts, type ModuleDef, type PlanContext, type Step, changedBy } from './module.ts';
import { FactCache, notConverged, planGathering } from './plan.ts';
import type { PlayDef, TaskDef } from './playbook/types.ts';
import type { TaskStatus } from './results.ts';
import { type StepsOutcome, runSteps } from './step-run.ts';
import { type ItemResult, predicted, registered } from './register.ts';
import type { ItemOutcome } from './item-outcome.ts';
import { runLocal } from './local-run.ts';
import { runUntil } from './until.ts';
import { itemVars, loopItems, renderArgs, resolvedFlags, selected, taskEnvironment, taskStatus, whenHolds, withEnvironment } from './task-control.ts';
import { hasRules, judge } from './task-rules.ts';
import { renderValue } from './vars/template.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TaskScope, explainLeftOut } from './task-vars.ts';

import { HostCore, stepFailure } from './host-core.ts';
import { UnreachableError } from './transport/conn.ts';

const asNames = (sets: string[] | 'any' | undefined): string[] => (Array.isArray(sets) ? sets : []);

/** One task of a host's run: its loop items, until, changed_when/failed_when, the module's plan and steps. */
export abstract class HostTasks extends HostCore {
  /** delegate_to: each target's facts as this host's delegated tasks read them. */
  private delegateCaches = new Map<string, FactCache>();

  /** Runs one task (every loop item); returns its status. */
  async runTask(play: PlayDef, written: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    this.taskStart = performance.now();
    if (!selected(written, this.o.tags, this.o.skipTags)) return 'skipped';
    let items: unknown[];
    this.wire.reset();
    const scope = this.vars.scope(written, vars);
    let task = written;
    try {
      task = resolvedFlags(written, scope.vars);
      items = loopItems(task, scope.vars);
    } catch (err) {
      const e = explainLeftOut(err as Error, scope, this.wire);
      const why = this.o.check ? this.wire.reason() : undefined;
      if (!why) return this.finish(task, this.record(play, task, 'failed', [], e.message).status);
      // Its items are not known, so neither is what it would touch: every later reader is conditional.
      this.cache.applyEffects([{ all: 'unknown' }], true);
      return this.registerAndFinish(task, this.record(play, task, 'conditional', [], why).status);
    }
    const statuses: TaskStatus[] = [];
    const changes: Change[] = [];
    let thrown: string | undefined;
    let unreachable: string | undefined;
    let itemError: string | undefined;
    const msgs: string[] = [];
    const done: ItemResult[] = [];
    for (const [i, item] of items.entries()) {
      if (i > 0 && task.loopControl?.pause) await sleep(task.loopControl.pause * 1000);
      let r: ItemOutcome;
      try {
        const itemScope = task.loop === undefined ? scope : this.vars.scope(task, vars, itemVars(task, items, i));
        r = await runUntil(task, itemScope, changes, (out) => this.runItem(play, task, itemScope, out), this.o.check, this.wire);
      } catch (err) {
        thrown = (err as Error).message;
        if (err instanceof UnreachableError) {
          // As Ansible registers it: { unreachable: true, changed: false, msg }.
          unreachable = thrown;
          statuses.push('unreachable');
          done.push({ status: 'unreachable', item, result: { msg: thrown } });
        } else {
          statuses.push('failed');
          // As Ansible registers a module's failure: its msg, and what the module returned with it (a plan's error may carry it).
          done.push({ status: 'failed', item, result: { ...(err as { result?: Record<string, unknown> }).result, msg: thrown } });
        }
        break;
      }
      statuses.push(r.status);
      done.push({ ...r, item });
      if (r.error !== undefined) itemError = r.error;
      if (r.msg !== undefined) msgs.push(r.msg);
      if (r.status === 'failed') break;
    }
    const status = taskStatus(statuses);
    const msg = msgs.length ? msgs.join('\n') : undefined;
    // Unreachable: nothing reached the host, so nothing of what it would have changed is reported as done or tried.
    return this.registerAndFinish(task, this.record(play, task, status, status === 'unreachable' ? [] : changes, thrown ?? itemError, msg).status, done, unreachable);
  }

  /** One loop item (or the task without a loop): run, then judged by changed_when and failed_when. */
  protected async runItem(play: PlayDef, task: TaskDef, scope: TaskScope, out: Change[]): Promise<ItemOutcome> {
    this.wire.reset();
    let r: ItemOutcome;
    try {
      r = await this.runModule(play, task, scope.vars, out);
    } catch (err) {
      if (err instanceof UnreachableError) throw err;
      const e = explainLeftOut(err as Error, scope, this.wire);
      const why = this.o.check ? this.wire.reason() : undefined;
      if (!why) throw e;
      this.unknownTouched(this.registry.modules.get(task.module)!, task, scope.vars, this.planContext(play, scope.vars, task));
      return { status: 'conditional', error: why };
    }
    // In check mode (or under check_mode: true) a changed item's steps were only simulated: what they would print is
    // not known. A check_mode: false task's real effects join the predictions if, judged, it changed something.
    const simulated = Boolean(r.simulated);
    const joined = (x: ItemOutcome): ItemOutcome => {
      if (x.effects && x.status === 'changed') this.cache.applyEffects(x.effects, true);
      return x;
    };
    if (!hasRules(task) || r.status === 'skipped' || r.status === 'conditional') return joined(r);
    const name = task.register ?? 'the result';
    const result = simulated ? predicted(name, r.status, this.wire) : registered(r.status, r.output);
    this.wire.reset();
    try {
      const j = judge(task, r.status, r.error, scope.vars, result, r.output !== undefined);
      return joined({ ...r, status: j.status, error: j.error, simulated });
    } catch (err) {
      const why = this.o.check ? this.wire.reason() : undefined;
      if (!why) return { ...r, status: 'failed', error: `changed_when/failed_when: ${(err as Error).message}` };
      return { ...r, status: 'conditional', error: `changed_when/failed_when ${why}`, simulated };
    }
  }

  /** The facts as the cache holds them now (read live: each call sees what the run has learnt since). */
  private readonly cached: Facts = { get: <T>(d: FactDef<T>) => this.cache.get(d.key) as T };

  /** The module's part of an item: when, arguments, facts, plan, and (not in check mode) its steps. */
  protected async runModule(play: PlayDef, task: TaskDef, vars: Record<string, unknown>, out: Change[]): Promise<ItemOutcome> {
    const mod = this.registry.modules.get(task.module)!;
    // The exact check: once a task could not run in the view, what the host would hold after it is not known, nor
    // what a later task's condition, arguments or assertion would read of it (a result registered after that point).
    if (this.o.view && this.viewDiverged) return { status: 'conditional', error: `cannot be predicted: ${this.viewDiverged}` };
    if (!whenHolds(task, vars)) return { status: 'skipped' };
    const args = renderArgs(mod, task, vars);
    if (mod.local) return runLocal(mod, args, vars, this.wire, this.vars, this.secrets);
    const to = task.delegateTo === undefined ? undefined : String(renderValue(task.delegateTo, vars));
    if (to !== undefined && to !== this.name) return this.delegated(to, () => this.runModuleOn(play, task, vars, out, mod, args));
    return this.runModuleOn(play, task, vars, out, mod, args);
  }

  /**
   * delegate_to: `fn` runs the module on another host (or the controller) with this host's variables: its facts,
   * steps and become are that host's, read in a fact cache of their own (fresh for every task in apply, since that
   * host's own run may change it; kept in --check, so one delegated task sees what an earlier one would do).
   */
  private async delegated(to: string, fn: () => Promise<ItemOutcome>): Promise<ItemOutcome> {
    if (!this.o.delegates) throw new Error(`delegate_to ${to}: this run cannot delegate`);
    const target = await this.o.delegates.get(to);
    let cache = this.delegateCaches.get(target.name);
    if (!cache || !this.o.check) this.delegateCaches.set(target.name, cache = new FactCache());
    const saved = { cache: this.cache, conn: this.conn, o: this.o, upcoming: this.upcoming };
    this.cache = cache;
    this.conn = target.conn;
    this.o = { ...this.o, ...target.settings };
    this.upcoming = undefined; // facts read ahead are this host's, not the delegate's
    try {
      return await fn();
    } finally {
      Object.assign(this, saved);
    }
  }

  private async runModuleOn(play: PlayDef, task: TaskDef, vars: Record<string, unknown>, out: Change[], mod: ModuleDef, args: Record<string, unknown>): Promise<ItemOutcome> {
    // A module of the host needs the host, even one that would plan without reading it (in --check too), as in Ansible.
    if (this.conn.lost !== undefined) throw new UnreachableError(this.conn.lost);
    const ctx = this.planContext(play, vars, task);
    const become = this.become(play, task);
    const defs = mod.facts(args, ctx);
    if (this.o.check && task.checkMode === false) return this.runForReal(mod, task, args, ctx, defs, become, out, taskEnvironment(task, vars));
    const check = this.o.check || task.checkMode === true;
    if (check && mod.checkMode === 'skip') return { status: 'skipped' };
    for (const d of defs) if (d.fresh) this.cache.forget(d.key);
    const unknown = check ? defs.filter((d) => this.cache.isUnknownFact(d)) : [];
    if (unknown.length) {
      // What it would change is unknown too: readers of its facts after it are conditional as well.
      this.cache.markUnknown(defs);
      this.cache.markEffectsUnknown(mod.sideEffects?.(args) ?? []);
      const why = `cannot be predicted: it reads ${unknown.map((d) => d.key).join(', ')}, which an earlier change only simulated in check mode may change`;
      if (mod.sets) this.vars.markUnknown(asNames(mod.localSets?.(task.args)), [why]);
      return { status: 'conditional', error: why };
    }
    // Lazy facts are read only if the plan asks for them.
    const eager = defs.filter((d) => !d.lazy);
    await this.ensureFacts(eager, become);
    // Ansible's action plugin skipping the task before its module runs (unarchive's creates).
    const skip = mod.skips?.(args, this.cached);
    if (skip !== undefined) return { status: 'skipped', msg: skip };
    const blind = this.o.view ? mod.unknownInView?.(args, this.cached) : undefined;
    if (blind && !(blind.outside && task.checkMode === false)) {
      if (blind.diverges) this.viewDiverged = `${task.name} was not run in the view (${blind.why})`;
      return { status: 'conditional', error: `cannot be predicted: ${blind.why}` };
    }
    const plan = () => planGathering(mod, args, ctx, this.cache, (lazy) => this.ensureFacts(lazy, become));
    // A plan that fails here fails in apply too: every fact it read is known, or made unknown by a simulated change
    // (then the task was conditional above). A plan failing only in check mode is an effect a module did not
    // declare: the differential test (test/integration/differential.test.ts) hunts those.
    let changes = await plan();
    if (!changes.length && mod.gathered && check && this.cache.simulated) {
      // What it reads (every service) a change simulated before it may have changed: not known, and said so.
      const why = `${task.module} reads the host as a change simulated before it may have left it`;
      this.vars.markUnknown(Object.keys(mod.gathered(args, this.cached)), [why]);
      return { status: 'conditional', error: `cannot be predicted: ${why}` };
    }
    if (!changes.length && mod.gathered) {
      const sets = mod.gathered(args, this.cached);
      const facts = vars.ansible_facts && typeof vars.ansible_facts === 'object' ? vars.ansible_facts : {};
      this.vars.assign({ ...sets, ansible_facts: { ...facts, ...sets } });
    }
    if (!changes.length) this.setVars(mod, args, vars);
    if (!changes.length) return { status: 'ok', ...(mod.returns ? { result: mod.returns(args, this.cached, ctx) } : {}) };
    out.push(...changes);
    if (check) {
      await this.readDiffs(changes, become, 'check');
      this.setVars(mod, args, vars); // from the host as it is: Ansible's module in check mode reports it unchanged
      for (const c of changes) this.cache.applyEffects(c.effects, true);
      // A change that counts only if a fact moves (Change.reportedIf) cannot be told before it runs: unless another
      // counts anyway, the task is conditional (Ansible's check says changed).
      const judged = changes.filter((c) => c.reportedIf && !c.unreported);
      if (judged.length && changedBy(changes.filter((c) => !c.reportedIf)) === 'ok') {
        return { status: 'conditional', simulated: true, error: `cannot be predicted: it is a change only if ${judged.map((c) => c.reportedIf!.fact.key).join(', ')} moves when it runs` };
      }
      return { status: changedBy(changes), simulated: true };
    }
    // The exact check: a change whose effects no one can say (a command without creates/removes) may act on the world
    // outside the host: it is not run in the view (check_mode: false runs it), and the tasks after it are not known.
    if (this.o.view && !check && task.checkMode !== false && changes.some((c) => c.effects.some((e) => 'all' in e))) {
      this.viewDiverged = `${task.name} was not run in the view (what it changes is unknown, and it may act outside the host)`;
      return { status: 'conditional', error: `not run in the view: what it changes is unknown, and it may act outside the host (creates/removes, or check_mode: false, let it run)` };
    }
    const verify = mod.verifiable?.(args) !== false;
    // What the plan read, kept for returnsChanged: running the steps forgets every fact.
    const read = new Map(defs.filter((d) => this.cache.has(d.key)).map((d) => [d.key, this.cache.get(d.key)]));
    // Facts that decide whether a change counts (Change.reportedIf) are read again with the steps' own facts.
    const judges = changes.flatMap((c) => (c.reportedIf ? [c.reportedIf.fact] : []));
    await this.readDiffs(changes, become, 'before');
    const ran = await this.runChangeSteps(withEnvironment(changes.flatMap((c) => c.steps), taskEnvironment(task, vars)), [...(verify ? eager : []), ...judges], become);
    if (ran.failed && this.o.view && /No space left on device|ENOSPC/.test(`${ran.failed.why}\n${ran.output?.stdout}\n${ran.output?.stderr}`)) {
      // Out of room in the view (its tmpfs), not on the host: what the task would do there, and after it, is unknown.
      const room = `it holds ${Math.round(this.o.view.memory / 2 ** 20)} MiB at most: --view-memory raises it`;
      this.viewDiverged = `the view filled up at ${task.name} (${room})`;
      return { status: 'conditional', error: `cannot be predicted: the view filled up here (${room})` };
    }
    if (ran.failed) return { status: 'failed', output: ran.output, error: stepFailure(task, ran.failed) };
    await this.readDiffs(changes, become, 'after');
    if (judges.length) {
      await this.ensureFacts(judges, become);
      changes = changes.map((c) => {
        if (!c.reportedIf) return c;
        const { fact, differs = (x, y) => JSON.stringify(x) !== JSON.stringify(y) } = c.reportedIf;
        return differs(read.get(fact.key), this.cache.get(fact.key)) ? c : { ...c, unreported: true };
      });
    }
    const returned = mod.returnsChanged
      ? { result: mod.returnsChanged(args, { get: <T>(d: FactDef<T>) => read.get(d.key) as T }, changes, ran.output?.stdout ?? '', ctx) } : { output: ran.output };
    if (!verify && !mod.sets) return { status: changedBy(changes), ...returned };
    await this.ensureFacts(eager, become);
    this.setVars(mod, args, vars);
    if (!verify) return { status: changedBy(changes), ...returned };
    const wrong = notConverged(task.module, await plan());
    return { status: wrong ? 'failed' : changedBy(changes), error: wrong, ...returned };
  }

  /**
   * Each change's diff as Ansible shows it in this mode: its check mode's (Change.checkDiff) under --check; under
   * --diff, one read from the host (Change.diffRead), in check mode in place of the steps, else before or after them.
   */
  private async readDiffs(changes: Change[], become: Become, now: 'check' | 'before' | 'after'): Promise<void> {
    for (const c of changes) {
      if (now === 'check' && c.checkDiff !== undefined) c.diff = c.checkDiff ?? undefined;
      const read = c.diffRead;
      if (!this.o.diff || !read || (now === 'check' ? !read.inCheck : read.when !== now)) continue;
      const r = await runSteps(this.exec, [now === 'check' ? read.checkStep ?? read.step : read.step], [], become);
      const out = r.output?.stdout ?? '';
      c.diff = r.failed ? { path: read.path, before: null, after: null, note: `its diff could not be read: ${r.failed.why || `exit ${r.failed.code}`}` }
        : read.show ? read.show(out) : { path: read.path, before: null, after: null, prepared: out };
    }
  }

  /** A module's `sets` (hostname's ansible_hostname...): variables of the host from its facts, also under ansible_facts. */
  private setVars(mod: ModuleDef, args: Record<string, unknown>, vars: Record<string, unknown>): void {
    if (!mod.sets) return;
    const sets = mod.sets(args, this.cached);
    const facts = vars.ansible_facts && typeof vars.ansible_facts === 'object' ? vars.ansible_facts : {};
    const bare = Object.fromEntries(Object.entries(sets).map(([k, v]) => [k.replace(/^ansible_/, ''), v]));
    this.vars.assign({ ...sets, ansible_facts: { ...facts, ...bare } });
  }

  /**
   * `check_mode: false` in a --check run: the task runs on the host for real, as in Ansible (most often a command
   * that only reads), planned against the host as it is (its facts read apart from check mode's predictions), and
   * its output is known to the tasks after it. Its effects join the predictions only if it changed something
   * (after changed_when: a command with `changed_when: false` is taken at its word that it changed nothing).
   */
  protected async runForReal(mod: ModuleDef, task: TaskDef, args: Record<string, unknown>, ctx: PlanContext, defs: FactDef[],
    become: Become, out: Change[], env?: Record<string, string>): Promise<ItemOutcome> {
    const real = new FactCache();
    const eager = defs.filter((d) => !d.lazy);
    await this.ensureFacts(eager, become, real);
    const changes = await planGathering(mod, args, ctx, real, (lazy) => this.ensureFacts(lazy, become, real));
    if (!changes.length) return { status: 'ok' };
    out.push(...changes);
    const ran = await runSteps(this.exec, withEnvironment(changes.flatMap((c) => c.steps), env), [], become);
    const effects = changes.flatMap((c) => c.effects);
    if (ran.failed && this.cache.simulated) {
      // What it needs may be what a change before it would have made (`haproxy -v` after an install only simulated):
      // its failure says nothing certain about a real run, and is not reported as one.
      return { status: 'conditional', effects, error: `ran for real in check mode and failed (${stepFailure(task, ran.failed)}), but a change before it was only simulated, which may be what it lacked` };
    }
    if (ran.failed) return { status: 'failed', output: ran.output, effects, error: stepFailure(task, ran.failed) };
    return { status: changedBy(changes), output: ran.output, effects };
  }

  /**
   * Check mode, a task whose condition or arguments read an unknown registered value: the facts it would touch
   * (its arguments rendered with placeholders for those values) become unknown; when even that fails, all do.
   */
  protected unknownTouched(mod: ModuleDef, task: TaskDef, vars: Record<string, unknown>, ctx: PlanContext): void {
    const sets = mod.localSets?.(task.args) ?? [];
    this.vars.markUnknown(sets === 'any' ? [] : sets, [...this.wire.reads]);
    this.wire.reset(true);
    // Variables a conditional set_fact left unknown read as placeholders too.
    const guessed = this.vars.guessed(vars);
    try {
      const args = renderArgs(mod, task, guessed);
      this.cache.markUnknown(mod.facts(args, ctx));
      this.cache.markEffectsUnknown(mod.sideEffects?.(args) ?? []);
    } catch {
      this.cache.applyEffects([{ all: 'unknown' }], true);
    } finally {
      this.wire.reset();
    }
  }

  /**
   * Runs the steps of a task's changes, then reads the facts it and the tasks after it need: one exec.
   * Everything a change did may show in facts it did not declare, so all known facts are forgotten first.
   */
  protected async runChangeSteps(steps: Step[], own: FactDef[], become: Become): Promise<StepsOutcome> {
    this.cache.clear();
    if (this.o.view) {
      // In the view, the steps alone: what they installed is made safe (netfilter tools wrapped) before any fact reads it.
      const ran = await runSteps(this.exec, steps.filter((s) => !('awaits' in s && s.awaits)), [], become);
      await this.o.view.guard();
      return ran;
    }
    const next = this.upcoming;
    const ahead = next && next.tasks.length ? this.prefetchDefs(next.play, next.tasks, next.vars, become) : [];
    const ran = await runSteps(this.exec, steps, [...own, ...ahead], become);
    for (const [k, v] of ran.facts ?? []) this.cache.set(k, v, this.readAs(become));
    return ran;
  }
}
