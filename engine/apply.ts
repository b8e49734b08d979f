// `provision apply`: load and validate everything, then every host concurrently (bounded by --forks),
// one ssh2 connection each, plays and tasks in order; report; exit code.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkPlays } from './playbook/check.ts';
import { EXIT, UserError } from './errors.ts';
import { INTERRUPTED_EXIT, Interrupt } from './interrupt.ts';
import { redact, sensitiveValues } from './redact.ts';
import { type Conn, HostRun, type TaskResult } from './host-run.ts';
import { type LockOptions, LOCKED, guardPrefix, lockRefusal, lockScript, newToken } from './host-lock.ts';
import { type Connection, connection, hostVars, loadInventory, selectHosts, type Inventory } from './inventory/inventory.ts';
import type { ModuleDef } from './module.ts';
import { formatProblem } from './errors.ts';
import { parsePlaybook, type PlayDef } from './playbook/parse.ts';
import { type HostSummary, formatRecap, formatResult, jsonReport, summarize } from './report/report.ts';
import { SshConnection } from './transport/ssh.ts';
import { knownHostsFiles } from './transport/known-hosts.ts';
import { type VarLayer, layerOf, mergeLayers, parseExtraVars, resolveVars } from './vars/vars.ts';
import { modules } from '../modules/index.ts';

export type ApplyOptions = {
  playbook: string;
  inventory: string;
  check?: boolean;
  diff?: boolean;
  json?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  extraVars?: string[];
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

export type Loaded = { inv: Inventory; plays: PlayDef[]; extra: VarLayer; hostsOf(play: PlayDef): string[]; layerFor(play: PlayDef, host: string): VarLayer };

/** Everything `validate` and `apply` check before any connection; throws UserError (exit 4) listing every problem. */
export function loadAndValidate(o: ApplyOptions, registry: Map<string, ModuleDef> = modules): Loaded {
  const inv = loadInventory(o.inventory);
  const extra = parseExtraVars(o.extraVars ?? []);
  const { plays, problems } = parsePlaybook(o.playbook, registry);
  const limit = o.limit ? new Set(selectHosts(inv, o.limit)) : undefined;
  if (o.limit && limit!.size === 0) problems.push({ where: { file: o.inventory, line: 1, col: 1 }, message: `--limit ${o.limit} matches no host` });
  const hostsOf = (play: PlayDef) => selectHosts(inv, play.hosts).filter((h) => !limit || limit.has(h));
  const layerFor = (play: PlayDef, host: string) => mergeLayers(hostVars(inv, host), layerOf(play.vars, `play "${play.name}" vars`), extra);
  problems.push(...checkPlays(plays, hostsOf, (play, host) => new Set(Object.keys(layerFor(play, host)))));
  if (problems.length) throw new UserError(problems.map(formatProblem).join('\n'), EXIT.invalid);
  return { inv, plays, extra, hostsOf, layerFor };
}

function magic(inv: Inventory, host: string, playDir: string, check: boolean): Record<string, unknown> {
  const groups = Object.fromEntries([...inv.groups.values()].map((g) => [g.name, selectHosts(inv, g.name)]));
  return {
    inventory_hostname: host, inventory_hostname_short: host.split('.')[0],
    group_names: (inv.hosts.get(host)?.groups ?? []).filter((g) => g !== 'all' && g !== 'ungrouped'),
    groups, ansible_check_mode: check, playbook_dir: playDir,
  };
}

/** A play's variables for a host, resolved as its tasks see them. */
export function hostPlayVars(loaded: Loaded, play: PlayDef, host: string, check = false): Record<string, unknown> {
  return resolveVars(loaded.layerFor(play, host), magic(loaded.inv, host, play.dir, check));
}

/** A host's variables (with the magic ones) and how to reach it. */
export function hostConnection(inv: Inventory, host: string, check = false): { hv: Record<string, unknown>; c: Connection } {
  const hv = resolveVars(hostVars(inv, host), magic(inv, host, '', check));
  return { hv, c: connection(hv) };
}

/** The ssh2 connection apply makes to a host: its key, the inventory's and the user's known_hosts. */
export function connectHost(host: string, c: Connection, o: { acceptNew?: boolean; onNewKey?: (message: string) => void } = {}): Promise<SshConnection> {
  if (!c.privateKeyPath) return Promise.reject(new Error('no private key: set ansible_ssh_private_key_file'));
  return SshConnection.connect({ name: host, host: c.host, port: c.port, user: c.user, privateKeyPath: c.privateKeyPath,
    knownHostsPath: knownHostsFiles(c.knownHostsPath, join(homedir(), '.ssh', 'known_hosts')), connectTimeoutMs: 15_000,
    acceptNew: o.acceptNew, onNewKey: o.onNewKey });
}

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
  }));
}

export async function apply(o: ApplyOptions): Promise<number> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const t0 = performance.now();
  const loaded = loadAndValidate(o);
  const { inv, plays, hostsOf } = loaded;
  const hosts = [...new Set(plays.flatMap(hostsOf))];
  if (!hosts.length) throw new UserError('no host matches the plays\' patterns', EXIT.invalid);
  const summaries: Record<string, HostSummary> = {};
  const live = !o.json && process.stdout.isTTY === true && !o.out;
  const stop = new Interrupt(o.json ? (l) => process.stderr.write(`${l}\n`) : out);
  try {
    return await applyHosts();
  } finally {
    stop.dispose();
  }

  async function applyHosts(): Promise<number> {
    const runHost = async (host: string, progress: (r: TaskResult) => void): Promise<HostSummary> => {
      if (stop.fired) return summarize([], false, 'interrupted before it started');
      const { hv, c } = hostConnection(inv, host, Boolean(o.check));
      // A host-level error (a command's output, an unreachable host's message) may quote a secret: masked too.
      const hide = (text: string) => redact(text, sensitiveValues(hv));
      let conn: SshConnection;
      const connecting = performance.now();
      try {
        conn = await connectHost(host, c, { acceptNew: o.acceptNew, onNewKey: (m) => (o.json ? process.stderr.write(`${m}\n`) : out(`new key     ${m}`)) });
      } catch (err) {
        const why = hide((err as Error).message);
        if (!o.json) out(`unreachable ${host}: ${why}`);
        return summarize([], true, why);
      }
      stop.track(conn);
      const connectMs = Math.round(performance.now() - connecting);
      // The host lock, taken beside the first exec (no extra round trip); check mode changes nothing and takes none.
      let lockError: string | undefined;
      let runConn: Conn = conn;
      if (!o.check) {
        const lk: LockOptions = { waitSeconds: o.lockWait ?? 0, breakLock: Boolean(o.breakLock) };
        const token = newToken();
        const guard = guardPrefix(token, lk);
        runConn = { exec: (command, opts) => conn.exec(guard + command, opts) };
        conn.hold(lockScript(token, lk), LOCKED).catch((err: Error) => {
          lockError = lockRefusal(err.message.replace(`${host}: `, ''), lk);
          conn.close(); // ends the run's waiting exec at once
        });
      }
      const run = new HostRun(host, runConn, modules, { check: Boolean(o.check), tags: o.tags ?? [], skipTags: o.skipTags ?? [],
        become: o.become || c.become, connUser: c.user, connPort: c.port, becomeUser: c.becomeUser, interrupted: () => stop.fired }, (_h, r) => progress(r));
      const counts = () => ({ execs: run.execs, factExecs: run.factExecs, connectMs });
      try {
        for (const play of plays) {
          if (!hostsOf(play).includes(host)) continue;
          await run.runPlay(play, hostPlayVars(loaded, play, host, Boolean(o.check)));
          if (run.failed) break;
        }
        if (lockError) throw new Error(lockError);
        if (conn.lost) throw new Error(conn.lost);
        return summarize(run.results, false, undefined, counts());
      } catch (err) {
        if (stop.fired) return summarize(run.results, false, 'interrupted', counts());
        if (conn.lost && !lockError) {
          // The host went away mid-run (sshd killed, network cut): unreachable, like a host never reached.
          const why = hide(`the connection was lost during the run (${conn.lost}); what ran before is reported above, a rerun converges`);
          if (!o.json) out(`unreachable ${host}: ${why}`);
          return summarize(run.results, true, why, counts());
        }
        const why = hide(lockError ?? (err as Error).message);
        if (!o.json) out(`failed      ${host}: ${why}`);
        return summarize(run.results, false, why, counts());
      } finally {
        stop.untrack(conn);
        conn.close();
      }
    };
    if (live) {
      // listr2 loads only for a terminal.
      const { liveView } = await import('./report/live.ts');
      await liveView(hosts, o.forks ?? hosts.length, async (host, progress) => {
        summaries[host] = await runHost(host, progress);
        return summaries[host];
      });
      for (const host of hosts) {
        for (const r of summaries[host].tasks) if (r.status !== 'ok' && r.status !== 'skipped') out(formatResult(host, r, Boolean(o.diff)));
      }
    } else {
      await pool(hosts, o.forks ?? hosts.length, async (host) => {
        summaries[host] = await runHost(host, (r) => { if (!o.json) out(formatResult(host, r, Boolean(o.diff))); });
      });
    }
    const ordered = Object.fromEntries(hosts.map((h) => [h, summaries[h]]));
    const seconds = (performance.now() - t0) / 1000;
    out(o.json ? jsonReport(ordered, seconds, Boolean(o.check), Boolean(o.diff)) : formatRecap(ordered, seconds, Boolean(o.check)));
    if (stop.fired) {
      for (const line of stop.report(ordered, plays, hostsOf)) (o.json ? process.stderr.write(`${line}\n`) : out(line));
      return INTERRUPTED_EXIT;
    }
    const all = Object.values(ordered);
    if (all.some((h) => h.unreachable || h.failed > 0 || h.error)) return EXIT.failed;
    if (o.detailedExitcode && all.some((h) => h.changed > 0 || h.conditional > 0)) return EXIT.changed;
    return EXIT.ok;
  }
}
