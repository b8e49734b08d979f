// A throwaway view of a host (engine/view/scripts.ts), held open on a channel of its own: commands run inside it
// (nsenter into its namespaces and root, without the capabilities that would reach the host's network, kernel
// modules or clock), and after each task `settle()` says what the task would have done to the host: the files it
// created, modified or deleted (the upper layer, engine/view/upper.ts), the service actions it asked for (the
// recorders' log), and the processes it left running (killed: nothing started in the view outlives its task).
// The view ends when `close()` ends its channel, when the connection drops, or when no heartbeat comes in time.
import type { Held, Stdin } from '../transport/ssh.ts';
import { type Become, asUser } from '../become.ts';
import { shq } from '../shell.ts';
import { GUARD, READY, STATE, UNABLE, VIEW } from './scripts.ts';
import { type Entry, type FileChange, LIST, diffSnapshots, parseListing } from './upper.ts';

/** What the view needs of a connection: an exec, and a command held open (SshConnection). */
export type ViewConn = {
  exec(command: string, o?: { stdin?: Stdin }): Promise<{ code: number; stdout: string; stderr: string }>;
  hold(command: string, ready: string): Promise<Held>;
};

export type ViewOptions = {
  /**
   * The most the upper layer (a tmpfs) may hold, in bytes (default VIEW_MEMORY): a host with less memory available
   * (MemAvailable) has no view, so that the view never pushes a live host into swap or its OOM killer.
   */
  memory?: number;
  /** Seconds without a heartbeat after which the view ends itself (default 60; one is sent every third of it). */
  heartbeatSeconds?: number;
  /** The connecting user is not root: the view is built and entered as root through become (sudo). */
  become?: Become;
  /** settle() also gives the diff of each text file a task modified, against the host's (--diff). */
  diffs?: boolean;
};

export type Settled = { files: FileChange[]; intents: string[]; leftRunning: string[]; upperBytes: number; diffs?: Array<{ path: string; diff: string }> };

/**
 * The diff of each text file a task modified (at most 256 KiB; binary files have none), after a `@@@ PATH` line: against
 * the file as the task before it left it in the view (kept in /mnt/prev), else the host's. Stdin: `M PATH` or `C PATH`
 * (created: only kept, for the next task's diff).
 */
const DIFF = `while read -r k p; do u=/mnt/upper$p; [ -f "$u" ] || continue; [ "$(stat -c %s "$u")" -le 262144 ] || continue; ` +
  'grep -qI . "$u" || [ ! -s "$u" ] || continue; b=/mnt/prev$p; [ -f "$b" ] || b=$p; ' +
  'if [ "$k" = M ] && [ -f "$b" ]; then echo "@@@ $p"; diff -u --label "$p" --label "$p" "$b" "$u"; fi; mkdir -p "/mnt/prev${p%/*}" && cp "$u" "/mnt/prev$p"; done; exit 0';

/**
 * The capabilities a command in the view goes without: the host's network setup, kernel modules, the clock. Low ports
 * stay (nginx -t binds its ports to test them); a daemon left listening is killed when its task settles.
 */
const DROP = '-net_admin,-sys_module,-sys_time';
const ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The most a view holds unless told (--view-memory): the droplet's first run wrote about 135 MB in it. */
export const VIEW_MEMORY = 256 * 1024 * 1024;

export class ViewUnavailable extends Error {}

export class HostView {
  private snapshot = new Map<string, Entry>();
  private intentsSeen = 0;
  private beat: NodeJS.Timeout;

  private constructor(private conn: ViewConn, private held: Held, readonly pid: number, heartbeat: number, private become: Become, private diffs: boolean,
    /** The most the view holds, in bytes. */
    readonly memory: number) {
    this.beat = setInterval(() => held.send('\n'), Math.max(1, heartbeat / 3) * 1000);
    this.beat.unref();
    void held.ended.then(() => clearInterval(this.beat));
  }

  /** Builds the view on the host; a host that cannot have one gives ViewUnavailable with the reason. */
  static async open(conn: ViewConn, o: ViewOptions = {}): Promise<HostView> {
    const heartbeat = o.heartbeatSeconds ?? 60;
    let held: Held;
    const memory = o.memory ?? VIEW_MEMORY;
    // Its stdin is the heartbeat: a become password cannot go ahead of it.
    if (o.become?.password !== undefined) throw new ViewUnavailable('it needs root through sudo without a password (the view\'s channel has no room for one)');
    try {
      held = await conn.hold(asUser(`sh -c ${shq(VIEW)} view ${Math.ceil(memory / 1024)} ${heartbeat}`, o.become, undefined).command, READY);
    } catch (err) {
      const why = new RegExp(`${UNABLE} (.*)`).exec((err as Error).message)?.[1];
      throw new ViewUnavailable(why ?? `the view could not be built: ${(err as Error).message.split('\n').slice(-3).join(' ')}`);
    }
    const view = new HostView(conn, held, Number(held.line.split(' ')[1]), heartbeat, o.become, Boolean(o.diffs), memory);
    try {
      await view.settle(); // what the view made of itself is not a task's
    } catch (err) {
      view.close();
      throw new ViewUnavailable(`the view could not read itself: ${(err as Error).message.replace(/`[^`]*`/, 'its report')}`);
    }
    return view;
  }

  /** A command line that runs `command` inside the view, as root there, without DROP's capabilities. */
  wrap(command: string): string {
    return `nsenter -t ${this.pid} --mount --pid --uts --ipc --root --wd -- setpriv --bounding-set ${DROP} -- env ${ENV} sh -c ${shq(command)}`;
  }

  /** A command line run in the view's mount namespace outside its root (its upper layer is at /mnt/upper there). */
  private outside(command: string): string {
    return `nsenter -t ${this.pid} --mount -- sh -c ${shq(command)}`;
  }

  exec(command: string, o?: { stdin?: Stdin }) {
    return this.run(this.wrap(command), o?.stdin);
  }

  /** A command line (nsenter) run on the host as root: through become when the connection is not root. */
  private run(line: string, stdin?: Stdin) {
    const c = asUser(line, this.become, stdin);
    return this.conn.exec(c.command, { stdin: c.stdin });
  }

  /** Wraps the netfilter tools a step installed, before anything runs them (a fact read after it: ufw status). */
  async guard(): Promise<void> {
    const r = await this.run(this.outside(GUARD));
    if (r.code !== 0) throw new Error(`the view could not wrap the netfilter tools (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }

  /**
   * After a task: wraps netfilter tools it installed, kills what it left running in the view (their command lines
   * are said), and gives the files it changed and the service actions it asked for since the last settle.
   */
  async settle(): Promise<Settled> {
    const script = [
      GUARD,
      `vp=$(readlink /proc/${this.pid}/ns/pid)`,
      `for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$p" = ${this.pid} ] && continue; [ "$(readlink $d/ns/pid 2>/dev/null)" = "$vp" ] || continue; ` +
        `printf 'LEFT %s\\n' "$(tr '\\0' ' ' < $d/cmdline 2>/dev/null)"; kill -9 "$p" 2>/dev/null; done`,
      `echo INTENTS; cat /mnt/merged${STATE}/intents; echo END-INTENTS`,
      'echo USED; du -sb /mnt/upper | cut -f1',
      `python3 -c ${shq(LIST)} /mnt/upper /`,
    ].join('\n');
    const r = await this.run(this.outside(script));
    if (r.code !== 0) throw new Error(`the view's report failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    const lines = r.stdout.split('\n');
    const leftRunning = lines.filter((l) => l.startsWith('LEFT ')).map((l) => l.slice(5).trim());
    const all = lines.slice(lines.indexOf('INTENTS') + 1, lines.indexOf('END-INTENTS')).filter(Boolean);
    const intents = all.slice(this.intentsSeen);
    this.intentsSeen = all.length;
    const upperBytes = Number(lines[lines.indexOf('USED') + 1]);
    const now = parseListing(r.stdout);
    const files = diffSnapshots(this.snapshot, now);
    this.snapshot = now;
    const changed = files.filter((f) => f.change !== 'delete');
    if (!this.diffs || !changed.length) return { files, intents, leftRunning, upperBytes };
    const d = await this.run(this.outside(DIFF), changed.map((f) => `${f.change === 'modify' ? 'M' : 'C'} ${f.path}\n`).join(''));
    const diffs = d.stdout.split(/^@@@ /m).filter(Boolean).map((part) => {
      const nl = part.indexOf('\n');
      return { path: part.slice(0, nl), diff: part.slice(nl + 1) };
    }).filter((x) => x.diff.trim());
    return { files, intents, leftRunning, upperBytes, diffs };
  }

  /** Ends the view: its PID 1 sees its stdin close and exits; the kernel kills the rest, the mounts go. */
  close(): void {
    clearInterval(this.beat);
    this.held.release();
  }

  /** Settles when the view is gone (its channel closed). */
  get ended(): Promise<string> {
    return this.held.ended;
  }
}
