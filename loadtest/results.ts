// What `provision load` found, and its two text forms: a table per host for people, JSON for machines.
import { knee } from './knee.ts';
import type { Measurement } from './measure.ts';

export type Row = Measurement & { instances: number; cpu: number; memMb: number };
export type HostResult = { host: string; url: string; ncpu?: number; rows: Row[] };
export type LoadResult = {
  playbook: string;
  path: string;
  durationS: number;
  connections: number;
  counts: number[];
  hosts: HostResult[];
  /** The playbook's own instance count was applied again at the end. */
  restored: boolean;
  /** What stopped the run early (an apply that failed, an instance that never answered, Ctrl-C). */
  error?: string;
};

/** A row's trouble: errors, non-2xx answers, sessions moved off their instance. */
export function rowProblems(r: Row): string[] {
  const p: string[] = [];
  if (r.errors) p.push(`${r.errors} connection error(s) or timeout(s)`);
  if (r.non2xx) p.push(`${r.non2xx} non-2xx answer(s)`);
  if (r.sticky.moved) p.push(`${r.sticky.moved} session(s) moved to another instance (affinity broken)`);
  return p;
}

export const hasProblems = (res: LoadResult) => Boolean(res.error) || !res.restored || res.hosts.some((h) => h.rows.some((r) => rowProblems(r).length));

const COLUMNS: [string, (r: Row) => string][] = [
  ['instances', (r) => String(r.instances)],
  ['req/s', (r) => String(r.rps)],
  ['p50 ms', (r) => String(r.p50)],
  ['p97.5 ms', (r) => String(r.p97_5)],
  ['p99 ms', (r) => String(r.p99)],
  ['errors', (r) => String(r.errors)],
  ['non-2xx', (r) => String(r.non2xx)],
  // Sessions that got an affinity cookie, and how many of them the balancer moved to another instance.
  ['sessions', (r) => String(r.sticky.sessions)],
  ['moved', (r) => String(r.sticky.moved)],
  ['cpu %', (r) => String(r.cpu)],
  ['mem MB', (r) => String(r.memMb)],
];

/** One host's table, the knee row marked, problem rows painted with `red`. */
export function formatHost(h: HostResult, o: { durationS: number; connections: number }, red: (s: string) => string): string[] {
  const k = knee(h.rows);
  const cells = h.rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padStart(widths[i])).join('  ');
  const lines = [`${h.host}  ${h.url}  (${o.durationS} s at ${o.connections} connections per count${h.ncpu ? `; cpu % of ${h.ncpu} CPU(s)` : ''})`,
    line(COLUMNS.map(([t]) => t))];
  h.rows.forEach((r, i) => {
    const problems = rowProblems(r);
    const mark = r.instances === k ? '  <- knee' : '';
    const text = `${line(cells[i])}${mark}`;
    lines.push(problems.length ? red(`${text}  ${problems.join(', ')}`) : text);
  });
  const sorted = [...h.rows].sort((a, b) => a.instances - b.instances);
  if (k !== undefined) {
    const next = sorted[sorted.findIndex((r) => r.instances === k) + 1];
    lines.push(`knee: ${k} instance(s); going to ${next.instances} adds less than 10% req/s`);
  } else if (sorted.length > 1) lines.push('no knee: every step added 10% req/s or more; more instances may still help');
  return lines;
}

export function formatResult(res: LoadResult, red: (s: string) => string): string {
  const lines: string[] = [];
  for (const h of res.hosts) lines.push(...formatHost(h, res, red), '');
  if (res.error) lines.push(red(`load stopped: ${res.error}`));
  if (!res.restored) lines.push(red('the playbook\'s own instance count was NOT applied again: run `provision apply` with it'));
  const troubled = res.hosts.filter((h) => h.rows.some((r) => rowProblems(r).length)).map((h) => h.host);
  if (troubled.length) lines.push(red(`errors under load on ${troubled.join(', ')} (rows above)`));
  return lines.join('\n').trimEnd();
}

export function jsonResult(res: LoadResult): string {
  return JSON.stringify({
    playbook: res.playbook, path: res.path, duration_s: res.durationS, connections: res.connections, instances: res.counts,
    ok: !hasProblems(res), restored: res.restored, ...(res.error ? { error: res.error } : {}),
    hosts: Object.fromEntries(res.hosts.map((h) => [h.host, {
      url: h.url, ncpu: h.ncpu, knee: knee(h.rows) ?? null,
      rows: h.rows.map((r) => ({
        instances: r.instances, rps: r.rps, p50_ms: r.p50, p97_5_ms: r.p97_5, p99_ms: r.p99, errors: r.errors, keepalive_resets: r.keepAliveResets, non2xx: r.non2xx,
        requests: r.requests, seconds: r.seconds, sessions: r.sticky.sessions, sessions_kept: r.sticky.kept, sessions_moved: r.sticky.moved,
        cpu_percent: r.cpu, mem_mb: r.memMb, problems: rowProblems(r),
      })),
    }])),
  }, null, 2);
}
