// One host's run: per play, its facts, then its items in Ansible's order (flow.ts), each task's items through
// until.ts, changed_when/failed_when (task-rules.ts), the module's plan and steps (plan.ts, step-run.ts) or, for a
// module of this machine, local-run.ts; variables in host-vars.ts, loops in loops.ts. A task's outcome is
// returned to its caller, never left in a field.
import { type Become, type BecomeSettings, becomeFor, scriptAs } from './become.ts';
import { gather } from './gather.ts';
import { Flow, type IncludeOutcome, type FlowHost } from './flow.ts';
import { setupFact } from './host-facts.ts';
import { readLocalOnce, readTextFile, resolveLocal } from './local-files.ts';
import type { Change, FactDef, ModuleDef, PlanContext, Registry, Step } from './module.ts';
import { FactCache, notConverged, planGathering } from './plan.ts';
import type { IncludeDef, PlayDef, TaskDef } from './playbook/types.ts';
import { formatProblem } from './errors.ts';
import { redact, redactChange, sensitiveValues } from './redact.ts';
import type { TaskResult, TaskStatus } from './results.ts';
import { type StepsOutcome, runSteps } from './step-run.ts';
import { type ItemResult, Tripwire, predicted, registered } from './register.ts';
import { HostVars } from './host-vars.ts';
import type { ItemOutcome } from './item-outcome.ts';
import { runLocal } from './local-run.ts';
import { runUntil } from './until.ts';
import { itemVars, loopItems, renderArgs, resolvedFlags, selected, taskEnvironment, taskStatus, whenHolds, withEnvironment } from './task-control.ts';
import { hasRules, judge } from './task-rules.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TaskScope, explainLeftOut } from './task-vars.ts';
import type { Conn } from './transport/conn.ts';
import type { Stdin } from './transport/ssh.ts';
import { renderFile } from './vars/template.ts';
import { templateVars } from './template-vars.ts';

export type HostOptions = BecomeSettings & { check: boolean; tags: string[]; skipTags: string[]; connPort?: number;
  /** Why the run was stopped (Ctrl-C, the host lock refused), once it was: a task failing from then on was cut short by it. */
  stopped?: () => string | undefined;
  /** Extra variables (-e): no task var or registered result overrides them. */
  pinned?: string[] };

/** Why a step failed, as a task's error: the step, its exit code and what it said (neither under no_log). */
const stepFailure = (task: TaskDef, { label, code, why }: NonNullable<StepsOutcome['failed']>) =>
  `${task.noLog ? 'a step' : `\`${label}\``} exited ${code}${why && !task.noLog ? `: ${why}` : ''}`;

export class HostRun implements FlowHost {
  private cache = new FactCache();
  readonly results: TaskResult[] = [];
  failed = false;
  /** Remote execs made, and how many of them only read facts. */
  execs = 0;
  factExecs = 0;
  /** The tasks after the running one (and their variables): what a change's exec reads facts for. */
  private upcoming?: { play: PlayDef; tasks: TaskDef[]; vars: Record<string, unknown> };
  /** Values of sensitive variables of the current play: masked in everything recorded. */
  secrets: string[] = [];
  /** When the running task started: its result records how long it took. */
  private taskStart?: number;
  /** Check mode: reads of registered values no one can know yet (a task that did not run registered them). */
  private wire = new Tripwire();
  /** Registered results and set_fact's, the scope of each task. */
  private vars: HostVars;

  constructor(readonly name: string, private conn: Conn, private registry: Registry, private o: HostOptions,
    private onResult: (host: string, r: TaskResult) => void) {
    this.vars = new HostVars(o.pinned ?? [], o.check ? this.wire : undefined);
  }

  private exec = async (command: string, stdin?: Stdin) => {
    this.execs++;
    return this.conn.exec(command, { stdin });
  };

  private async ensureFacts(defs: FactDef[], become: Become, cache = this.cache): Promise<void> {
    const missing = cache.missing(defs);
    if (!missing.length) return;
    this.factExecs++;
    const got = await gather(missing, (script) => this.exec(scriptAs(become), script), this.name);
    for (const [k, v] of got) cache.set(k, v);
  }

  private become(play: PlayDef, task: TaskDef | undefined): Become {
    return becomeFor(play, task, this.o);
  }

  private planContext(play: PlayDef, vars: Record<string, unknown>, task?: TaskDef): PlanContext {
    const roleDir = task?.role?.dir;
    return {
      ...this.registry.services,
      host: this.name,
      connection: { user: this.o.connUser, port: this.o.connPort ?? 22 },
      readLocal: (p, o) => readLocalOnce(resolveLocal(p, play.dir, roleDir), o && { ...o, what: `${o.what ?? 'local file'} "${p}"` }),
      render: (p, dest) => {
        const file = resolveLocal(p, play.dir, roleDir);
        return renderFile(readTextFile(file, `template "${p}"`), { ...vars, ...templateVars(p, file, dest) }, p);
      },
    };
  }

  private record(play: PlayDef, task: TaskDef, status: TaskStatus, changes: Change[], error?: string, msg?: string): TaskResult {
    // Cut short by Ctrl-C or a refused lock: the transport's message (the command, "the host closed the session") says nothing useful.
    const stopped = status === 'failed' ? this.o.stopped?.() : undefined;
    if (stopped) error = stopped;
    const r: TaskResult = { play: play.name, task: task.role ? `${task.role.name} : ${task.name}` : task.name, module: task.module, status, where: `${task.where.file}:${task.where.line}`, noLog: task.noLog,
      ms: this.taskStart === undefined ? undefined : Math.round(performance.now() - this.taskStart),
      changes: changes.map((c) => redactChange(c, this.secrets)), error: error === undefined ? undefined : redact(error, this.secrets) };
    if (status === 'failed' && task.ignoreErrors === true && !stopped) r.ignored = true;
    if (msg !== undefined) r.msg = redact(msg, this.secrets);
    this.results.push(r);
    this.onResult(this.name, r);
    return r;
  }

  /** Gathers, in one exec, the facts of every task whose arguments render now. */
  private async prefetch(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>): Promise<void> {
    await this.ensureFacts(this.prefetchDefs(play, tasks, vars), this.become(play, tasks[0] ?? play.tasks[0]));
  }

  /** The facts `tasks` will read that can be known now: not lazy, not made unknown by a simulated change. */
  private prefetchDefs(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>): FactDef[] {
    const defs: FactDef[] = [];
    for (const t of tasks) {
      // with_lines runs a command on this machine: once, when the task runs.
      if (!selected(t, this.o.tags, this.o.skipTags) || t.loopWith === 'lines') continue;
      try {
        const mod = this.registry.modules.get(t.module)!;
        const items = loopItems(t, this.vars.scope(t, vars).vars);
        for (let i = 0; i < items.length; i++) {
          let args: Record<string, unknown>;
          try {
            args = renderArgs(mod, t, this.vars.scope(t, vars, itemVars(t, items, i)).vars);
          } catch {
            continue; // rendered later, when the task runs
          }
          defs.push(...mod.facts(args, this.planContext(play, vars, t)));
        }
      } catch {
        /* rendered later, when the task runs */
      }
    }
    return defs.filter((d) => !d.lazy && !this.cache.isUnknown(d.key));
  }

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
        statuses.push('failed');
        done.push({ status: 'failed', item });
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
    return this.registerAndFinish(task, this.record(play, task, status, changes, thrown ?? itemError, msg).status, done);
  }

  /** Records what `register` asks for (in check mode, a prediction where steps would have run), then finishes. */
  private registerAndFinish(task: TaskDef, status: TaskStatus, items: ItemResult[] = []): TaskStatus {
    this.vars.register(task, status, items);
    return this.finish(task, status);
  }

  private finish(task: TaskDef, status: TaskStatus): TaskStatus {
    // ignore_errors only when it is true: a template not judged yet (its task failed before) ignores nothing.
    if (status === 'failed' && (task.ignoreErrors !== true || this.o.stopped?.())) this.failed = true;
    return status;
  }

  /** One loop item (or the task without a loop): run, then judged by changed_when and failed_when. */
  private async runItem(play: PlayDef, task: TaskDef, scope: TaskScope, out: Change[]): Promise<ItemOutcome> {
    this.wire.reset();
    let r: ItemOutcome;
    try {
      r = await this.runModule(play, task, scope.vars, out);
    } catch (err) {
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

  /** The module's part of an item: when, arguments, facts, plan, and (not in check mode) its steps. */
  private async runModule(play: PlayDef, task: TaskDef, vars: Record<string, unknown>, out: Change[]): Promise<ItemOutcome> {
    const mod = this.registry.modules.get(task.module)!;
    const ctx = this.planContext(play, vars, task);
    if (!whenHolds(task, vars)) return { status: 'skipped' };
    const args = renderArgs(mod, task, vars);
    if (mod.local) return runLocal(mod, args, vars, this.wire, this.vars, this.secrets);
    const become = this.become(play, task);
    const defs = mod.facts(args, ctx);
    if (this.o.check && task.checkMode === false) return this.runForReal(mod, task, args, ctx, defs, become, out, taskEnvironment(task, vars));
    const check = this.o.check || task.checkMode === true;
    const unknown = check ? defs.filter((d) => this.cache.isUnknown(d.key)) : [];
    if (unknown.length) {
      // What it would change is unknown too: readers of its facts after it are conditional as well.
      this.cache.markUnknown(defs);
      this.cache.markEffectsUnknown(mod.sideEffects?.(args) ?? []);
      return { status: 'conditional', error: `cannot be predicted: it reads ${unknown.map((d) => d.key).join(', ')}, which an earlier change only simulated in check mode may change` };
    }
    // Lazy facts are read only if the plan asks for them.
    const eager = defs.filter((d) => !d.lazy);
    await this.ensureFacts(eager, become);
    const plan = () => planGathering(mod, args, ctx, this.cache, (lazy) => this.ensureFacts(lazy, become));
    // A plan that fails here fails in apply too: every fact it read is known, or made unknown by a simulated change
    // (then the task was conditional above). A plan failing only in check mode is an effect a module did not
    // declare: the differential test (test/integration/differential.test.ts) hunts those.
    const changes = await plan();
    if (!changes.length && mod.gathered && check && this.cache.simulated) {
      // What it reads (every service) a change simulated before it may have changed: not known, and said so.
      const why = `${task.module} reads the host as a change simulated before it may have left it`;
      this.vars.markUnknown(Object.keys(mod.gathered(args, { get: <T>(d: FactDef<T>) => this.cache.get(d.key) as T })), [why]);
      return { status: 'conditional', error: `cannot be predicted: ${why}` };
    }
    if (!changes.length && mod.gathered) {
      const sets = mod.gathered(args, { get: <T>(d: FactDef<T>) => this.cache.get(d.key) as T });
      const facts = vars.ansible_facts && typeof vars.ansible_facts === 'object' ? vars.ansible_facts : {};
      this.vars.assign({ ...sets, ansible_facts: { ...facts, ...sets } });
    }
    if (!changes.length) return { status: 'ok' };
    out.push(...changes);
    if (check) {
      for (const c of changes) this.cache.applyEffects(c.effects, true);
      return { status: 'changed', simulated: true };
    }
    const verify = mod.verifiable?.(args) !== false;
    const ran = await this.runChangeSteps(withEnvironment(changes.flatMap((c) => c.steps), taskEnvironment(task, vars)), verify ? eager : [], become);
    if (ran.failed) return { status: 'failed', output: ran.output, error: stepFailure(task, ran.failed) };
    if (!verify) return { status: 'changed', output: ran.output };
    await this.ensureFacts(eager, become);
    const wrong = notConverged(task.module, await plan());
    return { status: wrong ? 'failed' : 'changed', error: wrong, output: ran.output };
  }

  /**
   * `check_mode: false` in a --check run: the task runs on the host for real, as in Ansible (most often a command
   * that only reads), planned against the host as it is (its facts read apart from check mode's predictions), and
   * its output is known to the tasks after it. Its effects join the predictions only if it changed something
   * (after changed_when: a command with `changed_when: false` is taken at its word that it changed nothing).
   */
  private async runForReal(mod: ModuleDef, task: TaskDef, args: Record<string, unknown>, ctx: PlanContext, defs: FactDef[],
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
    return { status: 'changed', output: ran.output, effects };
  }

  /**
   * Check mode, a task whose condition or arguments read an unknown registered value: the facts it would touch
   * (its arguments rendered with placeholders for those values) become unknown; when even that fails, all do.
   */
  private unknownTouched(mod: ModuleDef, task: TaskDef, vars: Record<string, unknown>, ctx: PlanContext): void {
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
  private async runChangeSteps(steps: Step[], own: FactDef[], become: Become): Promise<StepsOutcome> {
    this.cache.clear();
    const next = this.upcoming;
    const ahead = next && next.tasks.length && JSON.stringify(this.become(next.play, next.tasks[0])) === JSON.stringify(become)
      ? this.prefetchDefs(next.play, next.tasks, next.vars) : [];
    const ran = await runSteps(this.exec, steps, [...own, ...ahead], become);
    for (const [k, v] of ran.facts ?? []) this.cache.set(k, v);
    return ran;
  }

  /** Runs a play's items in Ansible's order (flow.ts), then the handlers changed tasks notified. */
  async runPlay(play: PlayDef, resolve: (facts?: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    // A play of which --tags / --skip-tags select no task runs nothing: no facts, no exec.
    if (!play.tasks.some((t) => selected(t, this.o.tags, this.o.skipTags))) return;
    let vars: Record<string, unknown>;
    if (!play.gatherFacts) vars = resolve();
    else {
      // One exec: the host's facts, and the facts of every task whose arguments render without them.
      let early: Record<string, unknown> | undefined;
      try {
        early = resolve();
      } catch {
        early = undefined; // its variables read facts: they are known after the gathering
      }
      this.cache.forget(setupFact.key); // gathered again for every play (a check mode effect cannot hide them)
      await this.ensureFacts([setupFact, ...(early ? this.prefetchDefs(play, play.tasks, early) : [])], this.become(play, play.tasks[0]));
      vars = resolve(this.cache.get(setupFact.key) as Record<string, unknown>);
    }
    this.secrets = sensitiveValues(vars);
    await this.prefetch(play, play.tasks, vars);
    await new Flow(this, play).all(vars);
    this.upcoming = undefined;
  }

  // The FlowHost of flow.ts.
  get check(): boolean {
    return this.o.check;
  }

  stopped(): string | undefined {
    return this.o.stopped?.();
  }

  /** A task of the play (or a handler); what comes after it is what its exec reads facts ahead for. */
  async task(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    const handler = play.handlers.indexOf(task);
    const i = play.tasks.indexOf(task);
    this.upcoming = { play, tasks: handler >= 0 ? play.handlers.slice(handler) : [...play.tasks.slice(i), ...play.handlers], vars };
    const status = await this.runTask(play, task, vars);
    if (handler < 0 && status === 'changed' && !this.o.check && this.cache.size === 0) await this.prefetch(play, play.tasks.slice(i + 1), { ...vars });
    return status;
  }

  unknowable(play: PlayDef, tasks: TaskDef[], why: string): void {
    this.cache.applyEffects([{ all: 'unknown' }], true);
    for (const t of tasks) {
      if (!selected(t, this.o.tags, this.o.skipTags)) continue;
      this.taskStart = performance.now();
      this.registerAndFinish(t, this.record(play, t, 'conditional', [], why).status);
    }
  }

  rescuing(failure: TaskResult | undefined): void {
    this.vars.assign({
      ansible_failed_task: { name: failure?.task ?? '', action: failure?.module ?? '' },
      ansible_failed_result: { failed: true, changed: false, msg: failure?.error ?? '' },
    });
  }

  /** An include's tags (unselected: its tasks do not run, as in Ansible), its when and its loop. */
  include(play: PlayDef, inc: IncludeDef, vars: Record<string, unknown>): IncludeOutcome {
    const task = inc.include;
    this.taskStart = performance.now();
    if (!selected(task, this.o.tags, this.o.skipTags)) return { status: 'unselected' };
    this.wire.reset();
    const scope = this.vars.scope(task, vars);
    try {
      if (!whenHolds(task, scope.vars)) {
        this.record(play, task, 'skipped', []);
        return { status: 'skipped' };
      }
      if (inc.deferred?.length) {
        // Read only now, as Ansible reads it: what provision cannot run in it fails the host before any of its tasks.
        const msg = `this include runs, and its file has what provision does not support yet:\n${inc.deferred.map(formatProblem).join('\n')}`;
        this.finish(task, this.record(play, task, 'failed', [], msg).status);
        return { status: 'failed' };
      }
      const items = loopItems(task, scope.vars);
      // As Ansible reports it: the include itself is ok (once, whatever its loop), or skipped with no items.
      this.record(play, task, items.length ? 'ok' : 'skipped', []);
      return { items };
    } catch (err) {
      const e = explainLeftOut(err as Error, scope, this.wire);
      const why = this.o.check ? this.wire.reason() : undefined;
      if (why) return { status: 'conditional', why: `its ${task.module} ${why}` };
      this.finish(task, this.record(play, task, 'failed', [], e.message).status);
      return { status: 'failed' };
    }
  }
}
