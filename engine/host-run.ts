// One host's run: per play, its facts, then its items in Ansible's order (flow.ts); where it meets the other hosts
// of its batch (play-sync.ts: run_once, meta: end_play); meta: end_host; includes. One task is host-tasks.ts's, what
// the parts share host-core.ts's; variables in host-vars.ts, loops in loops.ts.
import { Flow, type IncludeOutcome, type FlowHost } from './flow.ts';
import { setupFact } from './host-facts.ts';
import type { IncludeDef, MetaDef, PlayDef, TaskDef } from './playbook/types.ts';
import type { PlaySync } from './play-sync.ts';
import { formatProblem } from './errors.ts';
import { sensitiveValues } from './redact.ts';
import type { TaskResult, TaskStatus } from './results.ts';
import { loopItems, selected, whenHolds } from './task-control.ts';
import { explainLeftOut } from './task-vars.ts';
import { HostTasks } from './host-tasks.ts';
import { UnreachableError } from './transport/conn.ts';
export type { HostOptions } from './host-core.ts';

export class HostRun extends HostTasks implements FlowHost {
  /** Where this host meets the others of its play's batch (run_once, end_play); none when it runs alone. */
  private sync?: PlaySync;
  /** How many times this host reached each task in the current play: a meeting point is one such time. */
  private reached = new Map<TaskDef, number>();

  /** Runs a play's items in Ansible's order (flow.ts), then the handlers changed tasks notified. */
  async runPlay(play: PlayDef, resolve: (facts?: Record<string, unknown>) => Record<string, unknown>, sync?: PlaySync): Promise<void> {
    this.sync = sync;
    this.ended = false;
    this.reached.clear();
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
      try {
        const become = this.become(play, play.tasks[0]);
        await this.ensureFacts([setupFact, ...(early ? this.prefetchDefs(play, play.tasks, early, become) : [])], become);
      } catch (err) {
        if (!(err instanceof UnreachableError)) throw err;
        // Ansible's fact gathering task unreachable: the host's run ends, unless the play ignores it (no facts then).
        if (!play.ignoreUnreachable) {
          this.unreachable = err.message;
          this.ended = true;
          return;
        }
      }
      const facts = this.cache.has(setupFact.key) ? this.cache.get(setupFact.key) as Record<string, unknown> : undefined;
      vars = facts ? resolve(facts) : resolve();
      // hostvars[other].ansible_*: every host of the batch has gathered before the first task, as in Ansible.
      if (play.readsHostvars && this.sync) await this.sync.meet('gathered facts', this.name, async () => true);
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

  async afterTask(play: PlayDef, task: TaskDef, failed: boolean): Promise<boolean> {
    if (!this.sync) return false;
    return this.sync.fatal(`${this.point(task)}:after`, this.name, failed, play);
  }

  /** This host's next time at `task` in the play, as a meeting point's key. */
  private point(task: TaskDef): string {
    const n = (this.reached.get(task) ?? 0) + 1;
    this.reached.set(task, n);
    return `${task.where.file}:${task.where.line}:${task.where.col}#${n}`;
  }

  /**
   * meta: end_host (this host's when) or end_play (the when of the batch's first host there, for every host of it,
   * as Ansible's linear strategy runs it once): whether the play ends here. Reported skipped where it does not.
   */
  async endMeta(play: PlayDef, meta: MetaDef, vars: Record<string, unknown>): Promise<boolean> {
    const task = meta.task;
    if (!selected(task, this.o.tags, this.o.skipTags)) return false;
    const judge = async () => {
      this.taskStart = performance.now();
      const scope = this.vars.scope(task, vars);
      try {
        if (whenHolds(task, scope.vars)) return true;
        this.record(play, task, 'skipped', []);
      } catch (err) {
        this.finish(task, this.record(play, task, 'failed', [], explainLeftOut(err as Error, scope, this.wire).message).status);
      }
      return false;
    };
    if (meta.meta === 'end_host' || !this.sync) return judge();
    return (await this.sync.meet(this.point(task), this.name, judge)).value;
  }

  /**
   * run_once: the first host of the batch to be there runs the task; every other host takes its result (what it
   * registered and set), as Ansible applies it to the whole batch, and reports it as run on that host.
   */
  private async runOnce(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    const { value, decider } = await this.sync!.meet(this.point(task), this.name, async () => {
      const before = this.vars.snapshot();
      const status = await this.runHere(play, task, vars);
      const last = this.results.at(-1);
      return { status, items: this.lastItems, set: this.vars.changedSince(before), ignored: Boolean(last?.ignored), error: last?.error };
    });
    // Failed and not ignored: Ansible fails every host of the play with it, even one that ended before.
    if (value.status === 'failed' && !value.ignored) this.sync!.failAll();
    if (decider === this.name) return value.status;
    this.taskStart = performance.now();
    this.vars.apply(value.set);
    this.vars.register(task, value.status, value.items);
    // Nothing ran here: a change is the first host's, and only there does it notify.
    const status: TaskStatus = value.status === 'changed' ? 'ok' : value.status;
    const r = this.record(play, task, status, [], value.error === undefined ? undefined : `on ${decider}: ${value.error}`);
    r.ranOn = decider;
    if (status === 'failed' && value.ignored) r.ignored = true;
    else if (status === 'failed') this.failed = true;
    return status;
  }

  /** A task of the play (or a handler); what comes after it is what its exec reads facts ahead for. */
  async task(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    if (task.runOnce && this.sync && selected(task, this.o.tags, this.o.skipTags)) return this.runOnce(play, task, vars);
    return this.runHere(play, task, vars);
  }

  private async runHere(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    const handler = play.handlers.indexOf(task);
    const i = play.tasks.indexOf(task);
    this.upcoming = { play, tasks: handler >= 0 ? play.handlers.slice(handler) : [...play.tasks.slice(i), ...play.handlers], vars };
    const from = this.results.length;
    const status = await this.runTask(play, task, vars);
    await this.settleView(from);
    if (handler < 0 && status === 'changed' && !this.o.check && this.cache.size === 0) await this.prefetch(play, play.tasks.slice(i + 1), { ...vars });
    // After a set_fact or include_vars, the tasks after it whose arguments read what it set render now: their facts
    // in one exec, not one each when they run.
    else if (handler < 0 && status !== 'failed' && this.registry.modules.get(task.module)?.localSets) await this.prefetch(play, play.tasks.slice(i + 1), { ...vars });
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
