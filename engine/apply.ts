// `provision apply`: load and validate everything, then every host concurrently (bounded by --forks),
// one ssh2 connection each (host-apply.ts), plays and tasks in order; report; exit code.
import { EXIT, UserError } from './errors.ts';
import { type HostApplyContext, applyHost } from './host-apply.ts';
import { INTERRUPTED_EXIT, Interrupt } from './interrupt.ts';
import { RunSync } from './play-sync.ts';
import { Delegates } from './delegates.ts';
import type { Registry } from './module.ts';
import { type LoadOptions, hostConnection, loadAndValidate } from './prepare.ts';
import { askKeyPassphrases } from './connect.ts';
import { type HostSummary, formatRecap, formatResult, jsonReport } from './report/report.ts';
import type { TaskResult } from './results.ts';

export type ApplyOptions = LoadOptions & {
  check?: boolean;
  /** The exact check (implies check): each host's changes applied in a throwaway view of it (engine/view/). */
  exact?: boolean;
  /** The exact check: the most a host's view may hold (its upper layer, in the host's memory), in bytes. */
  viewMemory?: number;
  diff?: boolean;
  json?: boolean;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  become?: boolean;
  detailedExitcode?: boolean;
  /** Trust and record the key of a host listed in no known_hosts file (OpenSSH's StrictHostKeyChecking=accept-new). */
  acceptNew?: boolean;
  /** Seconds to wait for another run's host lock (default 0: refuse at once). */
  lockWait?: number;
  /** Kill the holder of a host lock (a dead run whose session lingers) and take it. */
  breakLock?: boolean;
  out?: (text: string) => void;
};

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
  }));
}

/** Applies a playbook to every host it names; returns the exit code. */
export async function apply(o: ApplyOptions, registry: Registry): Promise<number> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const toStderr = (l: string) => process.stderr.write(`${l}\n`);
  const t0 = performance.now();
  const loaded = loadAndValidate(o, registry);
  const { plays, hostsOf } = loaded;
  const hosts = [...new Set(plays.flatMap(hostsOf))];
  if (!hosts.length) throw new UserError('no host matches the plays\' patterns', EXIT.invalid);
  // A key's passphrase is asked now, once, before any output of the run (the live view) takes the terminal.
  askKeyPassphrases(hosts.map((h) => hostConnection(loaded.inv, h, false, loaded.extra).c));
  const stop = new Interrupt(o.json ? toStderr : out);
  const delegates = new Delegates(new Set(hosts), (o.forks ?? hosts.length) >= hosts.length);
  const x: HostApplyContext = { loaded, registry, sync: new RunSync(plays, hostsOf), delegates, check: Boolean(o.check || o.exact), exact: o.exact, viewMemory: o.viewMemory, diff: o.diff, tags: o.tags ?? [], skipTags: o.skipTags ?? [], become: o.become,
    acceptNew: o.acceptNew, lockWait: o.lockWait, breakLock: o.breakLock, stop,
    say: (l) => { if (!o.json) out(l); },
    notice: (m) => (o.json ? toStderr(m) : out(`new key     ${m}`)) };
  try {
    const summaries = await applyHosts(hosts, x, o, out);
    const seconds = (performance.now() - t0) / 1000;
    const check = Boolean(o.check || o.exact);
    out(o.json ? jsonReport(summaries, seconds, check, Boolean(o.diff)) : formatRecap(summaries, seconds, check));
    if (stop.fired) {
      for (const line of stop.report(summaries, plays, hostsOf)) (o.json ? toStderr(line) : out(line));
      return INTERRUPTED_EXIT;
    }
    const all = Object.values(summaries);
    if (all.some((h) => h.unreachable || h.failed > 0 || h.error)) return EXIT.failed;
    if (o.detailedExitcode && all.some((h) => h.changed > 0 || h.conditional > 0)) return EXIT.changed;
    return EXIT.ok;
  } finally {
    delegates.closeAll();
    stop.dispose();
  }
}

/** Every host, at most --forks at once: a live line per host on a terminal, else a line per task; summaries in host order. */
async function applyHosts(hosts: string[], x: HostApplyContext, o: ApplyOptions, out: (text: string) => void): Promise<Record<string, HostSummary>> {
  const summaries: Record<string, HostSummary> = {};
  const live = !o.json && process.stdout.isTTY === true && !o.out;
  if (live) {
    // listr2 loads only for a terminal.
    const { liveView } = await import('./report/live.ts');
    await liveView(hosts, o.forks ?? hosts.length, async (host, progress) => {
      summaries[host] = await applyHost(host, x, progress);
      return summaries[host];
    });
    for (const host of hosts) {
      for (const r of summaries[host].tasks) if (r.status !== 'ok' && r.status !== 'skipped') out(formatResult(host, r, Boolean(o.diff)));
    }
  } else {
    await pool(hosts, o.forks ?? hosts.length, async (host) => {
      summaries[host] = await applyHost(host, x, (r: TaskResult) => { if (!o.json) out(formatResult(host, r, Boolean(o.diff))); });
    });
  }
  return Object.fromEntries(hosts.map((h) => [h, summaries[h]]));
}
