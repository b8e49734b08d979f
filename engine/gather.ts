// Fact gathering: many facts in ONE remote exec, each fact's output fenced by a random boundary.
import { randomBytes } from 'node:crypto';
import type { FactDef } from './module.ts';

export type Exec = (script: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Builds one sh script that runs every fact's snippet in its own subshell and fences its output. */
export function batchScript(defs: FactDef[], boundary: string): string {
  return defs.map((d, i) => [
    `printf '%s\\n' '${boundary} ${i}'`,
    `( ${d.script}\n) 2>/dev/null`,
    `printf '\\n%s\\n' "${boundary} end ${i} $?"`,
  ].join('\n')).join('\n');
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

/** Gathers the facts in one exec; returns their parsed values by key. */
export async function gather(defs: FactDef[], exec: Exec): Promise<Map<string, unknown>> {
  const unique = [...new Map(defs.map((d) => [d.key, d])).values()];
  const values = new Map<string, unknown>();
  if (unique.length === 0) return values;
  const boundary = `@@provision-${randomBytes(8).toString('hex')}`;
  const r = await exec(batchScript(unique, boundary));
  const parts = splitBatch(r.stdout, unique.length, boundary);
  unique.forEach((d, i) => {
    try {
      values.set(d.key, d.parse(parts[i].out, parts[i].code));
    } catch (err) {
      throw new Error(`cannot read fact ${d.key}: ${(err as Error).message}`);
    }
  });
  return values;
}
