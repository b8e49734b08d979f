// One host of `apply`: connect, take the host lock (beside the first exec), run its plays, and sum it up;
// an unreachable host (at its start or later: at the first task that needs it and does not ignore_unreachable), a
// refused lock and Ctrl-C each end it with their own message.
import { connectHost } from './connect.ts';
import { HostView, ViewUnavailable } from './view/view.ts';
import { type LockOptions, LOCKED, guardPrefix, lockRefusal, lockScript, newToken } from './host-lock.ts';
import { HostRun } from './host-run.ts';
import type { Interrupt } from './interrupt.ts';
import type { RunSync } from './play-sync.ts';
import type { Delegates } from './delegates.ts';
import type { Registry } from './module.ts';
import { type Loaded, hostConnection, hostPlayVars } from './prepare.ts';
import { redact, sensitiveValues } from './redact.ts';
import { type HostSummary, summarize } from './report/report.ts';
import type { TaskResult } from './results.ts';
import { type Conn, downConn } from './transport/conn.ts';
import type { SshConnection } from './transport/ssh.ts';

const lostDuring = (why: string) => `the connection was lost during the run (${why})`;

/** What every host of a run shares. */
export type HostApplyContext = {
  loaded: Loaded;
  registry: Registry;
  /** Where hosts meet: run_once, end_play, serial batches. */
  sync: RunSync;
  /** The run's connections, for delegate_to (each closed when the run ends). */
  delegates: Delegates;
  check: boolean;
  /** With check: apply inside a throwaway view of each host (engine/view/), reporting what each task did there. */
  exact?: boolean;
  /** The exact check: the most a host's view may hold, in bytes (default: HostView's). */
  viewMemory?: number;
  /** --diff: the view also diffs the text files each task modified. */
  diff?: boolean;
  tags: string[];
  skipTags: string[];
  become?: boolean;
  acceptNew?: boolean;
  lockWait?: number;
  breakLock?: boolean;
  stop: Interrupt;
  /** A line for the user (nothing under --json, which says it all in its document). */
  say(line: string): void;
  /** A message that must reach the user also under --json (a new host key): stderr there. */
  notice(line: string): void;
};

export async function applyHost(host: string, x: HostApplyContext, progress: (r: TaskResult) => void): Promise<HostSummary> {
  x.sync.start(host);
  try {
    return await runHost(host, x, progress);
  } finally {
    x.sync.finish(host);
    x.delegates.offer(host, 'it did not connect'); // no-op when it did
  }
}

async function runHost(host: string, x: HostApplyContext, progress: (r: TaskResult) => void): Promise<HostSummary> {
  if (x.stop.fired) return summarize([], false, 'interrupted before it started');
  const { hv, c } = hostConnection(x.loaded.inv, host, x.check, x.loaded.extra);
  // A host-level error (a command's output, an unreachable host's message) may quote a secret: masked too.
  const hide = (text: string) => redact(text, sensitiveValues(hv));
  let conn: SshConnection | undefined;
  let runConn: Conn;
  let view: HostView | undefined;
  let viewSince = 0;
  let viewFallback: string | undefined;
  let lockError: string | undefined;
  const connecting = performance.now();
  try {
    conn = await connectHost(host, c, { acceptNew: x.acceptNew, onNewKey: x.notice });
  } catch (err) {
    // Not reached: its plays still run as Ansible runs them (tasks that need nothing of the host, such as debug,
    // are ok), and the first task that needs the host is unreachable (ignore_unreachable lets the host go on).
    const why = hide((err as Error).message);
    x.delegates.offer(host, `unreachable: ${why}`);
    runConn = downConn(why);
  }
  const connectMs = Math.round(performance.now() - connecting);
  if (conn) {
    const open = conn;
    x.stop.track(open);
    // The host lock, taken beside the first exec (no extra round trip); check mode changes nothing and takes none.
    let guard = '';
    if (!x.check) {
      const lk: LockOptions = { waitSeconds: x.lockWait ?? 0, breakLock: Boolean(x.breakLock) };
      const token = newToken();
      guard = guardPrefix(token, lk);
      open.hold(lockScript(token, lk), LOCKED).catch((err: Error) => {
        lockError = lockRefusal(err.message.replace(`${host}: `, ''), lk);
        open.close(); // ends the run's waiting exec at once
      });
    }
    const lost = () => (open.lost === undefined ? undefined : lostDuring(open.lost));
    runConn = { exec: (command, opts) => open.exec(guard + command, opts), get lost() { return lost(); } };
    if (x.exact) {
      const opened = performance.now();
      try {
        view = await HostView.open(open, { become: c.user === 'root' ? undefined : { user: 'root', password: c.becomePassword }, diffs: x.diff, memory: x.viewMemory });
        viewSince = opened;
        const v = view;
        runConn = { exec: (command, opts) => v.exec(command, opts), get lost() { return lost(); } };
      } catch (err) {
        // Ctrl-C while the view was being built: its channel is cut, the view gone with it; nothing ran.
        if (x.stop.fired) {
          x.stop.untrack(open);
          open.close();
          return summarize([], false, 'interrupted before it started');
        }
        if (!(err instanceof ViewUnavailable)) throw err;
        viewFallback = `no view of the host: ${err.message}; planned only, as --check alone`;
        x.say(`exact check ${host}: ${viewFallback}`);
      }
    }
    // Kept open until the run ends: another host may delegate a task to this one (through its lock) until then.
    x.delegates.offer(host, { name: host, conn: runConn, settings: { become: x.become || c.become, connUser: c.user, connPort: c.port,
      becomeUser: c.becomeUser, becomeUserFixed: c.becomeUserFixed, becomePassword: c.becomePassword } }, () => open.close());
  }
  // In a view the run applies (it changes only the view), and reads as an apply would: ansible_check_mode is false.
  const run = new HostRun(host, runConn!, x.registry, { check: x.check && !view, view, diff: x.diff, tags: x.tags, skipTags: x.skipTags, delegates: x.delegates,
    pinned: Object.keys(x.loaded.extra), become: x.become || c.become, connUser: c.user, connPort: c.port, becomeUser: c.becomeUser, becomeUserFixed: c.becomeUserFixed, becomePassword: c.becomePassword,
    stopped: () => (x.stop.fired ? 'interrupted (Ctrl-C): cut short here; nothing is left half-written, a rerun converges'
      : lockError ? `not run: ${lockError}` : undefined) }, (_h, r) => progress(r));
  const counts = () => ({ execs: run.execs, factExecs: run.factExecs, ...(conn ? { connectMs } : {}),
    ...(view ? { view: { seconds: Math.round(performance.now() - viewSince) / 1000, upperBytes: run.viewBytes } } : viewFallback ? { view: { fallback: viewFallback } } : {}) });
  /** The host unreachable at a task that did not ignore it: what ran before is reported, the host is unreachable. */
  const unreachable = () => {
    const why = hide(conn?.lost !== undefined ? `${lostDuring(conn.lost)}; what ran before is reported above, a rerun converges` : run.unreachable!);
    x.say(`unreachable ${host}: ${why}`);
    return summarize(run.results, true, why, counts());
  };
  try {
    for (const play of x.loaded.plays) {
      if (!x.loaded.hostsOf(play).includes(host)) continue;
      // Its serial batch's turn; none when every host of a batch before failed (Ansible then stops the run).
      if (!(await x.sync.mayRun(play, host))) break;
      const batch = x.sync.of(play, host);
      try {
        await run.runPlay(play, (facts) => {
          if (facts) x.loaded.facts.set(host, facts);
          return hostPlayVars(x.loaded, play, host, x.check && !view, facts, batch?.hosts);
        }, batch);
      } finally {
        // An unreachable host leaves its batch as a failed one does (Ansible counts it against max_fail_percentage).
        x.sync.leave(play, host, run.failed || run.unreachable !== undefined);
      }
      if (run.failed || run.unreachable !== undefined) break;
    }
    if (lockError) throw new Error(lockError);
    // Lost and a task failed of it (its exec ended before the loss was known): unreachable, as a host never reached.
    if (run.unreachable !== undefined || (conn?.lost !== undefined && run.failed)) return unreachable();
    return summarize(run.results, false, undefined, counts());
  } catch (err) {
    if (x.stop.fired) return summarize(run.results, false, 'interrupted', counts());
    if (conn?.lost && !lockError) return unreachable();
    const why = hide(lockError ?? (err as Error).message);
    x.say(`failed      ${host}: ${why}`);
    return summarize(run.results, false, why, counts(), true);
  } finally {
    run.sayResults();
    view?.close();
    if (conn) {
      x.stop.untrack(conn);
      // A failed or interrupted run closes at once; otherwise the connection waits for the run's end (delegate_to).
      if (x.stop.fired || lockError || conn.lost) conn.close();
    }
  }
}
