// Fact gathering: many facts in ONE remote exec, each fact's output fenced by a random boundary.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { FactDef } from './module.ts';

export type Exec = (script: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Builds one sh script that runs every fact's snippet in its own subshell and fences its output. */
export function batchScript(defs: FactDef[], boundary: string, profile = Boolean(process.env.PROVISION_PROFILE)): string {
  // Profiling: each fact's end time on stderr, in ns (date +%s%N: one fork more per fact).
  const stamp = (i: number | string) => (profile ? `printf '%s %s %s\\n' '${boundary}' ${i} "$(date +%s%N)" >&2\n` : '');
  return stamp('start') + defs.map((d, i) => [
    `printf '%s\\n' '${boundary} ${i}'`,
    `( ${d.script}\n) 2>/dev/null`,
    `printf '\\n%s\\n' "${boundary} end ${i} $?"`,
  ].join('\n') + (profile ? `\n${stamp(i).trimEnd()}` : '')).join('\n');
}

/** With PROVISION_PROFILE set, the milliseconds each fact took, from a batch's stderr. */
export function factTimes(defs: FactDef[], stderr: string, boundary: string): Array<{ key: string; ms: number }> {
  const stamps = new Map<string, number>();
  for (const m of stderr.matchAll(new RegExp(`^${boundary} (\\S+) (\\d+)$`, 'gm'))) stamps.set(m[1], Number(m[2]) / 1e6);
  let last = stamps.get('start');
  return defs.flatMap((d, i) => {
    const end = stamps.get(String(i));
    if (last === undefined || end === undefined) return [];
    const ms = end - last;
    last = end;
    return [{ key: d.key, ms: Math.round(ms) }];
  });
}

/** Splits the batch's output back into each fact's stdout and exit code. */
export function splitBatch(stdout: string, count: number, boundary: string): Array<{ out: string; code: number }> {
  const res: Array<{ out: string; code: number }> = [];
  for (let i = 0; i < count; i++) {
    const start = stdout.indexOf(`${boundary} ${i}\n`);
    const endRe = new RegExp(`\\n${boundary} end ${i} (\\d+)\\n`);
    const m = endRe.exec(stdout.slice(start));
    if (start < 0 || !m) throw new Error(`fact batch output is missing fact ${i}`);
    const body = stdout.slice(start + `${boundary} ${i}\n`.length, start + m.index);
    res.push({ out: body, code: Number(m[1]) });
  }
  return res;
}

/** The facts to read, each key once. */
export const uniqueFacts = (defs: FactDef[]): FactDef[] => [...new Map(defs.map((d) => [d.key, d])).values()];

/** Parses each fact's fenced output in `stdout` (from batchScript(defs, boundary)). */
export function parseFacts(defs: FactDef[], stdout: string, boundary: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const parts = splitBatch(stdout, defs.length, boundary);
  defs.forEach((d, i) => {
    try {
      values.set(d.key, d.parse(parts[i].out, parts[i].code));
    } catch (err) {
      throw new Error(`cannot read fact ${d.key}: ${(err as Error).message}`);
    }
  });
  return values;
}

/** Gathers the facts in one exec; returns their parsed values by key. */
export async function gather(defs: FactDef[], exec: Exec, host = ''): Promise<Map<string, unknown>> {
  const unique = uniqueFacts(defs);
  if (unique.length === 0) return new Map();
  const boundary = `@@provision-${randomBytes(8).toString('hex')}`;
  const t0 = performance.now();
  const r = await exec(batchScript(unique, boundary));
  const profile = process.env.PROVISION_PROFILE;
  if (profile) {
    const lines = factTimes(unique, r.stderr, boundary).map((t) => JSON.stringify({ host, ...t }));
    lines.push(JSON.stringify({ host, key: '(whole batch, round trip included)', ms: Math.round(performance.now() - t0) }));
    appendFileSync(profile, `${lines.join('\n')}\n`);
  }
  // The batch never started (sudo refused, the shell is missing): what it said, not a missing fact.
  if (r.code !== 0 && !r.stdout.includes(`${boundary} 0\n`)) {
    const said = r.stderr.trim().split('\n').slice(-3).join('; ') || r.stdout.trim().slice(-200);
    throw new Error(`reading facts failed (exit ${r.code})${said ? `: ${said}` : ''}`);
  }
  return parseFacts(unique, r.stdout, boundary);
}
