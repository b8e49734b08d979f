// Where the hosts of one play (of one serial batch) meet. provision's hosts run independently, each as fast as it
// can; they wait for each other only where Ansible's lock-step is observable: a run_once task (the first host of
// the batch runs it, every host gets its result), meta: end_play (the first host's condition ends the play for
// all), and serial (a batch starts once the one before it is done).
//
// A meeting point resolves once every host of the batch has reached it, left the play, or is waiting at another
// meeting point (hosts whose paths differ, through includes or blocks, must not wait for each other forever); a
// host that reaches a point after it resolved gets what was decided there.

import { type Item, type PlayDef, childLists, isMeta } from './playbook/types.ts';

type Outcome = { ok: unknown } | { error: unknown };
type Point = { arrived: string[]; waiting: Array<() => void>; closed: boolean; decider?: string; decided?: Promise<Outcome>; settle?: (o: Outcome) => void;
  values: Map<string, unknown> };

export class PlaySync {
  private left = new Set<string>();
  private at = new Map<string, string>();
  private points = new Map<string, Point>();
  private done: Promise<void>;
  private finish!: () => void;
  private failedHosts = new Set<string>();
  /** Hosts of the batch that failed a task so far (max_fail_percentage counts them). */
  private failedSoFar = new Set<string>();
  /** any_errors_fatal or max_fail_percentage stopped the play: Ansible then runs nothing more. */
  stopped = false;

  /**
   * `hosts`: the batch, in the play's order; `running`: the hosts of the run started and not finished (with
   * --forks below the number of hosts, one not started yet cannot come: it is not waited for); `after`: the batch
   * before this one (serial), undefined for the first.
   */
  constructor(readonly hosts: string[], private running: ReadonlySet<string>, private after?: PlaySync) {
    this.done = new Promise((r) => { this.finish = r; });
    if (!hosts.length) this.finish();
  }

  /** Resolves when this batch may start (the batch before it is done); false when every host of that one failed. */
  async turn(): Promise<boolean> {
    if (!this.after) return true;
    if (!(await this.after.turn())) return false;
    await this.after.done;
    return !this.after.allFailed();
  }

  /** Whether every host of this batch left the play failed (Ansible then runs no later batch). */
  allFailed(): boolean {
    return this.hosts.length > 0 && this.hosts.every((h) => this.failedHosts.has(h));
  }

  /**
   * A run_once task failed (not ignored): as Ansible marks every host of the play failed then (one that ended the
   * play before it too), the batch counts as failed whole.
   */
  failAll(): void {
    for (const h of this.hosts) this.failedHosts.add(h);
  }

  /** The host is done with the play (finished, ended or failed): no meeting point waits for it any more. */
  leave(host: string, failed = false): void {
    if (this.left.has(host)) return;
    this.left.add(host);
    if (failed) this.failedHosts.add(host);
    this.at.delete(host);
    if (this.left.size === this.hosts.length) this.finish();
    this.settle();
  }

  /**
   * The host reaches meeting point `key`: once it resolves, the first host there (in the batch's order) runs
   * `decide` and every host gets its value. A host arriving after it resolved gets the value decided.
   */
  async meet<T>(key: string, host: string, decide: () => Promise<T>, contribute?: unknown): Promise<{ value: T; decider: string }> {
    let p = this.points.get(key);
    if (!p) {
      p = { arrived: [], waiting: [], closed: false, values: new Map() };
      this.points.set(key, p);
    }
    if (!p.closed) {
      if (contribute !== undefined) p.values.set(host, contribute);
      p.arrived.push(host);
      this.at.set(host, key);
      const point = p;
      await new Promise<void>((r) => {
        point.waiting.push(r);
        this.settle();
      });
    }
    if (host === p.decider) {
      try {
        p.settle!({ ok: await decide() });
      } catch (err) {
        p.settle!({ error: err });
      }
    }
    const got = await p.decided!;
    if ('error' in got) throw got.error;
    return { value: got.ok as T, decider: p.decider! };
  }

  /**
   * After a task, in a play with any_errors_fatal or max_fail_percentage: each host says whether it failed (and
   * no rescue takes it over); whether the play stops here for every host, decided once every host is there.
   */
  async fatal(key: string, host: string, failed: boolean, rule: { anyErrorsFatal?: boolean; maxFailPercentage?: number }): Promise<boolean> {
    const p = () => this.points.get(key)!;
    const { value } = await this.meet(key, host, async () => {
      const now = [...p().values].filter(([, f]) => f).map(([h]) => h);
      for (const h of now) this.failedSoFar.add(h);
      const stop = (rule.anyErrorsFatal === true && now.length > 0)
        || (rule.maxFailPercentage !== undefined && (this.failedSoFar.size / this.hosts.length) * 100 > rule.maxFailPercentage);
      if (stop) this.stopped = true;
      return stop;
    }, failed);
    return value;
  }

  /** Resolves every meeting point that has all the hosts it can have. */
  private settle(): void {
    const active = this.hosts.filter((h) => !this.left.has(h));
    const waitingAt = (h: string) => this.at.get(h);
    for (const [key, p] of this.points) {
      if (p.closed) continue;
      // Complete: every host of the batch still in the play is here. Stuck: every one of them that is running
      // waits somewhere, so none can come.
      const complete = active.every((h) => waitingAt(h) === key);
      const stuck = active.filter((h) => this.running.has(h)).every((h) => waitingAt(h) !== undefined);
      if (!complete && !stuck) continue;
      p.closed = true;
      p.decider = this.hosts.find((h) => p.arrived.includes(h));
      p.decided = new Promise((r) => { p.settle = r; });
      for (const h of p.arrived) if (this.at.get(h) === key) this.at.delete(h);
      for (const r of p.waiting.splice(0)) r();
      // Hosts freed here may unblock others: settle again once they moved on.
      queueMicrotask(() => this.settle());
      return;
    }
  }
}

/** Whether hosts meet in a play: a run_once task or handler, a meta: end_play, any_errors_fatal, max_fail_percentage. */
function hasMeetingPoints(play: PlayDef): boolean {
  const endPlay = (items: Item[]): boolean => items.some((i) => (isMeta(i) && i.meta === 'end_play') || childLists(i).some(endPlay));
  return [...play.tasks, ...play.handlers].some((t) => t.runOnce) || endPlay(play.body) || play.anyErrorsFatal === true || play.maxFailPercentage !== undefined;
}

/** Ansible's pct_to_int: "30%" of `total` (at least 1), or the number. */
function batchSize(v: number | string, total: number): number {
  if (typeof v === 'string' && v.endsWith('%')) return Math.max(1, Math.trunc((Number(v.slice(0, -1)) / 100) * total));
  return Math.trunc(Number(v));
}

/** The play's hosts cut into serial batches as Ansible cuts them (a size, a percentage, or a list, its last repeated). */
export function serialBatches(hosts: string[], serial: Array<number | string> | undefined): string[][] {
  const sizes = serial?.length ? serial : [-1];
  const rest = [...hosts];
  const out: string[][] = [];
  for (let i = 0; rest.length; i = Math.min(i + 1, sizes.length - 1)) {
    const n = batchSize(sizes[i], hosts.length);
    if (n <= 0) {
      out.push(rest.splice(0));
      break;
    }
    out.push(rest.splice(0, n));
  }
  return out;
}

/**
 * The meeting places of a run: each play's batches, chained after a serial play (the play after it starts once
 * its last batch is done, as Ansible runs plays one after the other there), and the run's break: when every
 * host of a batch failed, Ansible runs no later batch and no later play.
 */
export class RunSync {
  private running = new Set<string>();
  private batches = new Map<PlayDef, PlaySync[]>();
  broken = false;

  constructor(plays: PlayDef[], hostsOf: (play: PlayDef) => string[]) {
    let after: PlaySync | undefined;
    for (const play of plays) {
      const syncs: PlaySync[] = [];
      for (const batch of serialBatches(hostsOf(play), play.serial)) {
        const s = new PlaySync(batch, this.running, after);
        syncs.push(s);
        after = s;
      }
      this.batches.set(play, syncs);
      // The play after one with serial or meeting points starts when it is done, as Ansible runs plays one after
      // the other (a failure there may stop the run); after any other play, hosts go on as each finishes.
      if (!play.serial && !hasMeetingPoints(play)) after = undefined;
    }
  }

  start(host: string): void {
    this.running.add(host);
  }

  /** The batch of `play` that `host` is in (undefined when the play does not run on it). */
  of(play: PlayDef, host: string): PlaySync | undefined {
    return this.batches.get(play)?.find((s) => s.hosts.includes(host));
  }

  /** Whether `host` may run `play` (its batch's turn came, and no batch before failed whole); waits for the turn. */
  async mayRun(play: PlayDef, host: string): Promise<boolean> {
    const s = this.of(play, host);
    if (!s || this.broken) return false;
    const ok = await s.turn();
    if (!ok) this.broken = true;
    return ok && !this.broken;
  }

  /** The host leaves `play` (failed or not); a batch every host of which failed breaks the run. */
  leave(play: PlayDef, host: string, failed: boolean): void {
    const s = this.of(play, host);
    if (!s) return;
    s.leave(host, failed);
    if (s.allFailed() || s.stopped) this.broken = true;
  }

  /** The host is done with the run: it leaves every play still waiting for it. */
  finish(host: string): void {
    for (const syncs of this.batches.values()) for (const s of syncs) if (s.hosts.includes(host)) s.leave(host, true);
    this.running.delete(host);
  }
}
