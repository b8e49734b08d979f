// `provision load`: for each instance count, apply the playbook with `-e instances=N` (only HAProxy and
// the app change), wait until every instance answers /ping and HAProxy has them all UP, drive HTTP load
// at each host through nginx from this machine while sampling the host's CPU and memory over SSH, and
// at the end apply the playbook's own count again, whatever happened (an error, Ctrl-C).
//
// Hosts are measured one after another: the load comes from this one process, and loading two hosts at
// once would split it between them.
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeAtomic } from '../engine/atomic-file.ts';
import { EXIT, UserError } from '../engine/errors.ts';
import type { Connection } from '../engine/inventory/connection.ts';
import { INTERRUPTED_EXIT } from '../engine/interrupt.ts';
import { apply } from '../engine/apply.ts';
import { askKeyPassphrases, connectHost } from '../engine/connect.ts';
import type { Registry } from '../engine/module.ts';
import { type LoadOptions, hostConnection, hostPlayVars, loadAndValidate } from '../engine/prepare.ts';
import type { SshConnection } from '../engine/transport/ssh.ts';
import { htmlReport } from './html.ts';
import { measure } from './measure.ts';
import { waitReady } from './ready.ts';
import { type HostResult, type LoadResult, formatResult, hasProblems, jsonResult } from './results.ts';
import { type Progress, plainProgress, terminalProgress } from './progress.ts';
import { Sampler } from './sample.ts';

export type LoadCommandOptions = {
  playbook: string;
  inventory: string;
  /** ansible.cfg's connection defaults (LoadOptions.defaults). */
  defaults?: LoadOptions['defaults'];
  extraVars?: string[];
  limit?: string;
  /** The path loaded on every host, through nginx (http://ansible_host/PATH). */
  path: string;
  counts: number[];
  durationS: number;
  connections: number;
  json?: boolean;
  report?: string;
  acceptNew?: boolean;
  lockWait?: number;
  /** How long an instance count may take to answer /ping everywhere (default 60 s). */
  readyTimeoutS?: number;
  out?: (text: string) => void;
};

type Target = { host: string; c: Connection; url: string; basePort: number; statsPort: number; conn?: SshConnection; result: HostResult };

/** Colour on a terminal; NO_COLOR (non-empty) turns it off, FORCE_COLOR (not 0 or false) on. */
const useColor = () => {
  if (process.env.NO_COLOR) return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return !['0', 'false'].includes(force);
  return process.stdout.isTTY === true;
};

/** What `apply` reported, as one line per host that failed. */
function applyFailures(json: string): string {
  try {
    const report = JSON.parse(json) as { hosts: Record<string, { error?: string; tasks: { task: string; status: string; error?: string }[] }> };
    return Object.entries(report.hosts).flatMap(([host, h]) => [
      ...(h.error ? [`${host}: ${h.error}`] : []),
      ...h.tasks.filter((t) => t.status === 'failed').map((t) => `${host}: ${t.task}: ${t.error ?? 'failed'}`),
    ]).join('\n');
  } catch {
    return json.slice(0, 2000);
  }
}

/** Measures every instance count on every host; `registry`: the modules the playbook's tasks use. */
export async function load(o: LoadCommandOptions, registry: Registry): Promise<number> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const ui: Progress = !o.json && !o.out && process.stdout.isTTY === true ? terminalProgress()
    : plainProgress(o.json ? (s: string) => process.stderr.write(`${s}\n`) : out);
  const red = (s: string) => (useColor() ? `\x1b[31m${s}\x1b[0m` : s);
  if (!/^\/[^\s#]*$/.test(o.path)) throw new UserError(`--url ${JSON.stringify(o.path)}: a path on the droplet, starting with / (e.g. / or /ping)`, EXIT.invalid);
  const counts = [...new Set(o.counts)].sort((a, b) => a - b);
  if (!counts.length) throw new UserError('--instances: give at least one count, e.g. 1,2,3,5', EXIT.invalid);
  if (o.report) {
    // Found out now, not after minutes of load: the report's directory must exist and be writable.
    try {
      accessSync(dirname(resolve(o.report)), constants.W_OK);
    } catch (err) {
      throw new UserError(`--report ${o.report}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT.invalid);
    }
  }
  const extra = o.extraVars ?? [];
  const loaded = loadAndValidate({ playbook: o.playbook, inventory: o.inventory, defaults: o.defaults, limit: o.limit, extraVars: [...extra, `instances=${counts[0]}`] }, registry);
  const hosts = [...new Set(loaded.plays.flatMap(loaded.hostsOf))];
  if (!hosts.length) throw new UserError('no host matches the plays\' patterns', EXIT.invalid);
  const targets: Target[] = hosts.map((host) => {
    const { c } = hostConnection(loaded.inv, host, false, loaded.extra);
    // The first play of the host that sets base_port, its variables resolved once.
    let v: Record<string, unknown> | undefined;
    for (const p of loaded.plays) {
      if (!loaded.hostsOf(p).includes(host)) continue;
      const vars = hostPlayVars(loaded, p, host);
      if (vars.base_port !== undefined) {
        v = vars;
        break;
      }
    }
    if (!v) throw new UserError(`${o.playbook}: no play sets base_port for ${host}: provision load scales a playbook whose app instances listen on base_port, base_port + 1, ... (as playbooks/droplet.yml)`, EXIT.invalid);
    const port = (key: string, dflt?: number) => {
      const n = Number(v[key] ?? dflt);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`${host}: ${key} ${JSON.stringify(v[key])} is not a port number`, EXIT.invalid);
      return n;
    };
    // Through nginx, on the port the droplet's nginx.conf listens on (http_port, default 80).
    const httpPort = port('http_port', 80);
    const url = `http://${c.host.includes(':') ? `[${c.host}]` : c.host}${httpPort === 80 ? '' : `:${httpPort}`}${o.path}`;
    return { host, c, url, basePort: port('base_port'), statsPort: port('haproxy_stats_port', 8404), result: { host, url, rows: [] } };
  });

  const res: LoadResult = { playbook: o.playbook, path: o.path, durationS: o.durationS, connections: o.connections, counts, hosts: targets.map((t) => t.result), restored: false };
  const abort = new AbortController();
  let presses = 0;
  const onSigint = () => {
    if (++presses > 1) {
      process.stderr.write('interrupted twice: stopping now; the playbook\'s own instance count was NOT applied again\n');
      process.exit(INTERRUPTED_EXIT);
    }
    abort.abort();
    ui.line('interrupted: stopping the load, then applying the playbook\'s own instance count again (Ctrl-C again to stop at once)');
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

  const applyCount = async (n?: number): Promise<string> => {
    const lines: string[] = [];
    const code = await apply({ playbook: o.playbook, inventory: o.inventory, limit: o.limit, json: true, out: (s) => lines.push(s),
      extraVars: n === undefined ? extra : [...extra, `instances=${n}`], acceptNew: o.acceptNew, lockWait: o.lockWait }, registry);
    const report = lines.join('\n');
    if (code !== EXIT.ok) throw new Error(`apply${n === undefined ? '' : ` -e instances=${n}`} failed (exit ${code}):\n${applyFailures(report)}`);
    // What changed, by task name over all hosts: with only the count different, HAProxy's config, the app and the reload.
    const tasks = Object.values((JSON.parse(report) as { hosts: Record<string, { tasks: { task: string; status: string }[] }> }).hosts)
      .flatMap((h) => h.tasks.filter((x) => x.status === 'changed').map((x) => x.task));
    return `applied: ${tasks.length ? `changed ${[...new Set(tasks)].join(', ')}` : 'nothing changed'}`;
  };

  askKeyPassphrases(targets.map((t) => t.c)); // once, before any connection
  try {
    // Every connection settles before an error is thrown, so that the finally below closes all that opened.
    const connected = await Promise.allSettled(targets.map(async (t) => {
      t.conn = await connectHost(t.host, t.c, { acceptNew: o.acceptNew }).catch((err: Error) => {
        throw new Error(`${t.host} is unreachable: ${err.message}`);
      });
    }));
    const unreachable = connected.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (unreachable.length) throw new Error(unreachable.join('\n'));
    ui.line(`load: ${counts.join(', ')} instance(s) on ${hosts.length} host(s), GET ${o.path}, ${o.durationS} s at ${o.connections} connections each`);
    for (const [i, n] of counts.entries()) {
      if (abort.signal.aborted) break;
      const step = `[${i + 1}/${counts.length}] instances=${n}`;
      await ui.step(`${step}: apply ${o.playbook} -e instances=${n}`, () => applyCount(n), (r) => `${step}: ${r}`);
      if (abort.signal.aborted) break;
      let t = performance.now();
      await ui.step(`${step}: waiting for /ping on ${n} instance(s) and for HAProxy`, () => Promise.all(targets.map((x) =>
        waitReady(x.conn!, { basePort: x.basePort, instances: n, statsPort: x.statsPort, timeoutS: o.readyTimeoutS ?? 60 })
          .catch((err: Error) => { throw new Error(`${x.host}: ${err.message}`); }))),
      () => `${step}: every instance answers /ping and HAProxy has ${n} UP (${since(t)})`);
      for (const x of targets) {
        if (abort.signal.aborted) break;
        t = performance.now();
        const [m, usage] = await ui.step(`${step}: ${x.host}: ${o.connections} connections to ${x.url} for ${o.durationS} s`, async (update) => {
          const sampler = new Sampler(x.conn!);
          await sampler.start();
          let second = 0;
          const got = await measure(x.url, { durationS: o.durationS, connections: o.connections, signal: abort.signal,
            onTick: (count) => update(`${++second}/${o.durationS} s: ${count} req/s`) });
          return [got, await sampler.stop()] as const;
        }, ([got, use]) => {
          const line = `${step}: ${x.host}: ${got.rps} req/s, p99 ${got.p99} ms, ${got.errors} errors, ${got.non2xx} non-2xx, ${got.sticky.moved} sessions moved, cpu ${use.cpu}% (${since(t)})`;
          return got.errors + got.non2xx + got.sticky.moved ? red(line) : line;
        });
        x.result.ncpu = usage.ncpu;
        x.result.rows.push({ ...m, instances: n, cpu: usage.cpu, memMb: usage.memMb });
      }
    }
    if (abort.signal.aborted) res.error = 'interrupted (Ctrl-C)';
  } catch (err) {
    res.error = abort.signal.aborted ? 'interrupted (Ctrl-C)' : (err as Error).message;
  } finally {
    for (const t of targets) t.conn?.close();
    try {
      await ui.step(`restore: apply ${o.playbook} with its own instance count`, () => applyCount(), (r) => `restore: ${r}`);
      res.restored = true;
    } catch (err) {
      res.error = [res.error, `restoring the playbook's own count: ${(err as Error).message}`].filter(Boolean).join('\n');
    }
    process.off('SIGINT', onSigint);
  }
  ui.line(`load: done in ${since(t0)}`);

  out(o.json ? jsonResult(res) : formatResult(res, red));
  if (o.report) {
    writeAtomic(o.report, htmlReport(res), 0o644);
    if (!o.json) out(`report: ${o.report}`);
  }
  if (abort.signal.aborted) return INTERRUPTED_EXIT;
  return hasProblems(res) ? EXIT.failed : EXIT.ok;
}
