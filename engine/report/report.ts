// Run output: a line per task and host as results arrive, then a recap per host and the wall time;
// or, with --json, one JSON document instead.
import type { TaskResult } from '../results.ts';
import { REDACTED, renderDiff } from './diff.ts';

export type HostSummary = { ok: number; changed: number; failed: number; ignored: number; rescued: number; skipped: number; conditional: number; unreachable: boolean; error?: string; tasks: TaskResult[]; execs: number; factExecs: number; connectMs?: number;
  /** The exact check: how long the host's view lived and what its upper layer held, or why there was none. */
  view?: ViewCost };
export type ViewCost = { seconds: number; upperBytes: number } | { fallback: string };

/**
 * A host's counts. `hostFailed`: the host failed as a whole (its lock refused, its facts unreadable): it counts as
 * failed even when no task did, so the recap and --json say failed as the line did.
 */
export function summarize(tasks: TaskResult[], unreachable = false, error?: string, counts: { execs: number; factExecs: number; connectMs?: number; view?: ViewCost } = { execs: 0, factExecs: 0 },
  hostFailed = false): HostSummary {
  const n = (s: string) => tasks.filter((t) => t.status === s && !t.ignored && !t.rescued).length;
  const ignored = tasks.filter((t) => t.ignored).length;
  const rescued = tasks.filter((t) => t.rescued).length;
  return { ok: n('ok'), changed: n('changed'), failed: Math.max(n('failed'), hostFailed ? 1 : 0), ignored, rescued, skipped: n('skipped'), conditional: n('conditional'), unreachable, error, tasks, ...counts };
}

const summaryOf = (r: TaskResult) => r.changes.map((c) => (r.noLog || c.sensitive ? REDACTED : c.summary));
const diffOf = (r: TaskResult, hidden: boolean) => r.changes.map((c) => renderDiff(c, hidden)).filter(Boolean).join('');

/** One result as plain text lines (no colour: the output is for logs as much as for people). */
export function formatResult(host: string, r: TaskResult, showDiff: boolean): string {
  const lines = [`${r.status.padEnd(11)} ${host}: ${r.task} (${r.where})`];
  for (const s of summaryOf(r)) lines.push(`            - ${s}`);
  if (r.msg !== undefined) lines.push(...(r.noLog ? REDACTED : r.msg).split('\n').map((l) => `            > ${l}`));
  if (r.error) lines.push(`            ! ${r.noLog ? REDACTED : r.error}`);
  if (r.ignored) lines.push(`            ...ignoring (${r.status === 'unreachable' ? 'ignore_unreachable' : 'ignore_errors'})`);
  if (r.rescued) lines.push('            ...rescued (its block\'s rescue runs)');
  if (r.ranOn) lines.push(`            ...run_once: ran on ${r.ranOn}, whose result this host takes`);
  if (r.view && !r.noLog) {
    const mark = { create: '+', modify: '~', delete: '-' } as const;
    for (const f of r.view.files) lines.push(`            ${mark[f.change]} ${f.path}`);
    for (const i of r.view.intents) lines.push(`            * would ${i}`);
    for (const l of r.view.left) lines.push(`            * would leave running: ${l}`);
  }
  if (showDiff) {
    // The changes' own diffs, then the view's (--check --exact): each indented under the task.
    for (const d of [diffOf(r, r.noLog), ...(r.view?.diffs ?? []).map((v) => v.diff)]) {
      if (d) lines.push(...d.trimEnd().split('\n').map((l) => `            ${l}`));
    }
  }
  return lines.join('\n');
}

export function formatRecap(hosts: Record<string, HostSummary>, seconds: number, check: boolean): string {
  const width = Math.max(4, ...Object.keys(hosts).map((h) => h.length));
  const lines = [`\nRECAP${check ? ' (check mode: nothing was changed)' : ''}`];
  for (const [name, h] of Object.entries(hosts)) {
    lines.push(`${name.padEnd(width)}  ok=${h.ok} changed=${h.changed} failed=${h.failed} skipped=${h.skipped}` +
      `${h.rescued ? ` rescued=${h.rescued}` : ''}${h.ignored ? ` ignored=${h.ignored}` : ''}` +
      `${h.conditional ? ` conditional=${h.conditional}` : ''} unreachable=${h.unreachable ? 1 : 0}${h.error ? `  (${h.error})` : ''}` +
      `${h.view ? ('fallback' in h.view ? '  (no view: --check alone)' : `  (in a view: ${h.view.seconds.toFixed(1)} s, ${(h.view.upperBytes / 1e6).toFixed(1)} MB written there)`) : ''}`);
  }
  lines.push(`wall time ${seconds.toFixed(1)} s`);
  return lines.join('\n');
}

export function jsonReport(hosts: Record<string, HostSummary>, seconds: number, check: boolean, showDiff: boolean): string {
  return JSON.stringify({
    check,
    duration_s: Number(seconds.toFixed(3)),
    hosts: Object.fromEntries(Object.entries(hosts).map(([name, h]) => [name, {
      ok: h.ok, changed: h.changed, failed: h.failed, rescued: h.rescued, ignored: h.ignored, skipped: h.skipped, conditional: h.conditional, unreachable: h.unreachable,
      remote_execs: h.execs, fact_execs: h.factExecs, ...(h.connectMs === undefined ? {} : { connect_ms: h.connectMs }),
      ...(h.error ? { error: h.error } : {}),
      ...(h.view ? { view: 'fallback' in h.view ? { fallback: h.view.fallback } : { seconds: h.view.seconds, upper_bytes: h.view.upperBytes } } : {}),
      tasks: h.tasks.map((t) => {
        const diff = showDiff ? diffOf(t, t.noLog) : '';
        return {
          play: t.play, task: t.task, module: t.module, status: t.status, ...(t.ignored ? { ignored: true } : {}), ...(t.rescued ? { rescued: true } : {}), ...(t.ranOn ? { ran_on: t.ranOn } : {}), ...(t.ms === undefined ? {} : { ms: t.ms }), changes: summaryOf(t),
          ...(diff ? { diff } : {}),
          ...(t.msg !== undefined ? { msg: t.noLog ? REDACTED : t.msg } : {}),
          ...(t.error ? { error: t.noLog ? REDACTED : t.error } : {}),
          ...(t.view && !t.noLog ? { view: t.view } : {}),
        };
      }),
    }])),
  }, null, 2);
}
