// Which item of a play a host runs next, as Ansible orders them: tasks in order until one fails; a block's rescue
// after a failure in it and its always in any case; include_tasks / include_role once per item of their loop when
// their `when` holds; meta: flush_handlers; the notified handlers at the end (even after a failure). What one task
// does is HostRun's (host-run.ts), reached through the FlowHost interface.
import { Notifications } from './handlers.ts';
import { loopVars } from './loops.ts';
import { type BlockDef, type IncludeDef, type Item, type MetaDef, type PlayDef, type TaskDef, isBlock, isInclude, isMeta, tasksOf } from './playbook/types.ts';
import type { TaskResult, TaskStatus } from './results.ts';

/** What an include's own when and loop came to: the loop items to run its tasks for, or its status without them. */
export type IncludeOutcome = { items: unknown[] } | { status: 'skipped' | 'failed' | 'conditional' | 'unselected'; why?: string };

export interface FlowHost {
  failed: boolean;
  /** meta: end_host / end_play ended the play for this host: no more tasks, no handlers (as Ansible). */
  ended: boolean;
  readonly results: TaskResult[];
  readonly check: boolean;
  stopped(): string | undefined;
  /** Runs one task of the play with these variables; its status. */
  task(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus>;
  /** Check mode: `tasks` may or may not run: each (if selected) is conditional with `why`, what they touch unknown. */
  unknowable(play: PlayDef, tasks: TaskDef[], why: string): void;
  /** A block's failure handed to its rescue: ansible_failed_task and ansible_failed_result name it. */
  rescuing(failure: TaskResult | undefined): void;
  /**
   * After a task, in a play with any_errors_fatal or max_fail_percentage: whether the play stops here for every
   * host (`failed`: this host failed it, and no rescue takes the failure over).
   */
  afterTask(play: PlayDef, task: TaskDef, failed: boolean): Promise<boolean>;
  /** meta: end_host / end_play: whether the play ends here for this host. */
  endMeta(play: PlayDef, meta: MetaDef, vars: Record<string, unknown>): Promise<boolean>;
  /** An include's own tags, when and loop (the include's own result is recorded by the runner, as Ansible reports it). */
  include(play: PlayDef, include: IncludeDef, vars: Record<string, unknown>): IncludeOutcome;
}

export class Flow {
  private notified = new Notifications();
  /** How many blocks with a rescue the running item is in: a failure there is not one any_errors_fatal counts. */
  private rescuable = 0;
  /**
   * any_errors_fatal / max_fail_percentage stopped the play on this host without a failure of its own: no more
   * tasks; its notified handlers still run, as after a failure (provision's rule, as Ansible's force_handlers).
   */
  private halted = false;

  constructor(private run: FlowHost, private play: PlayDef) {}

  /** The play's items, then the handlers changed tasks notified. */
  async all(vars: Record<string, unknown>): Promise<void> {
    await this.items(this.play.body, vars);
    if (!this.run.ended) await this.handlers(vars);
  }

  /** Items in order, until one fails (and no block rescues it). */
  private async items(items: Item[], vars: Record<string, unknown>): Promise<void> {
    for (const item of items) {
      if (this.run.failed || this.run.ended || this.halted) return;
      if (isBlock(item)) await this.block(item, vars);
      else if (isInclude(item)) await this.include(item, vars);
      else if (isMeta(item)) {
        if (item.meta === 'flush_handlers') await this.handlers(vars);
        else if (item.meta === 'end_host' || item.meta === 'end_play') this.run.ended = await this.run.endMeta(this.play, item, vars);
      } else {
        this.notified.record(item, await this.run.task(this.play, item, vars), this.run.check);
        if ((this.play.anyErrorsFatal || this.play.maxFailPercentage !== undefined)
          && await this.run.afterTask(this.play, item, this.run.failed && this.rescuable === 0) && !this.run.failed) this.halted = true;
      }
    }
  }

  /**
   * A block as Ansible runs it: a task failing in `block` hands over to `rescue` (the failure then counts as
   * rescued, not failed); `always` runs in any case, and a failure not rescued is the host's again after it. In
   * check mode, when a task of the block was conditional, whether rescue runs is not known: its tasks are
   * conditional, and what they would touch unknown.
   */
  private async block(b: BlockDef, vars: Record<string, unknown>): Promise<void> {
    const from = this.run.results.length;
    if (b.rescue.length) this.rescuable++;
    await this.items(b.block, vars);
    if (b.rescue.length) this.rescuable--;
    const ran = this.run.results.slice(from);
    if (this.run.ended || this.halted) return;
    if (this.run.failed && b.rescue.length && !this.run.stopped()) {
      const failure = [...ran].reverse().find((r) => r.status === 'failed' && !r.ignored && !r.rescued);
      if (failure) failure.rescued = true;
      this.run.failed = false;
      this.run.rescuing(failure);
      await this.items(b.rescue, vars);
    } else if (!this.run.failed && this.run.check && b.rescue.length && ran.some((r) => r.status === 'conditional')) {
      this.run.unknowable(this.play, tasksOf(b.rescue), 'runs only if a task of its block fails, which check mode cannot know (a task of the block is conditional)');
    }
    if (!b.always.length || this.run.stopped()) return;
    const failedBefore = this.run.failed;
    this.run.failed = false;
    await this.items(b.always, vars);
    this.run.failed = this.run.failed || failedBefore;
  }

  /** include_tasks / include_role: its tasks once per loop item (with `item`), if its when holds. */
  private async include(inc: IncludeDef, vars: Record<string, unknown>): Promise<void> {
    const o = this.run.include(this.play, inc, vars);
    if (!('items' in o)) {
      if (o.status === 'conditional') this.run.unknowable(this.play, tasksOf(inc.items), o.why ?? 'its include may not run');
      return;
    }
    for (let i = 0; i < o.items.length; i++) {
      await this.items(inc.items, inc.include.loop === undefined ? vars : { ...vars, ...loopVars(inc.include.loopControl, o.items, i) });
      if (this.run.failed || this.run.ended || this.halted) return;
    }
  }

  /** The notified handlers, in the play's order; they run even when a task failed, and a failed one stops them. */
  private async handlers(vars: Record<string, unknown>): Promise<void> {
    const wasFailed = this.run.failed;
    this.run.failed = false;
    for (const h of this.play.handlers) {
      if (!this.notified.wants(h)) continue;
      await this.run.task(this.play, h, vars);
      if (this.run.failed) break;
    }
    this.notified.clear();
    this.run.failed = this.run.failed || wasFailed;
  }
}
