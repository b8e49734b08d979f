// Runs the differential test's sequences in rounds: each round gives every host one sequence, as one playbook
// with a play per host, applied as --check, then for real, then again; mismatches come back with the sequence's
// playbook so they can be read and replayed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { CorpusTask } from './differential-corpus.ts';
import { type Sequence, applyRound, compare, generate, writeRound } from './differential.ts';

export type DifferentialOptions = {
  corpus: CorpusTask[]; seed: number; sequences: number; hosts: string[]; inventory: string; dir: string;
  log?: (line: string) => void;
};
export type DifferentialResult = { sequences: number; tasks: number; conditionals: number; mismatches: string[];
  /** Sequences whose second apply still changed something (a task needing what a later one makes): they settle on the second. */
  settledOnSecond: number };

export async function runDifferential(o: DifferentialOptions): Promise<DifferentialResult> {
  const res: DifferentialResult = { sequences: 0, tasks: 0, conditionals: 0, mismatches: [], settledOnSecond: 0 };
  for (let round = 0; res.sequences < o.sequences; round++) {
    const hosts = o.hosts.slice(0, Math.min(o.hosts.length, o.sequences - res.sequences));
    const seqs: Sequence[] = hosts.map((_h, i) => generate(o.corpus, o.seed, res.sequences + i));
    const dir = join(o.dir, `round-${round}`);
    mkdirSync(dir, { recursive: true });
    const playbook = writeRound(dir, hosts, seqs);
    const limit = hosts.join(':');
    const check = await applyRound(playbook, o.inventory, limit, true);
    const run = await applyRound(playbook, o.inventory, limit, false);
    const again = await applyRound(playbook, o.inventory, limit, false);
    // Hosts whose second apply changed something: a third apply tells a sequence that settles late from one that never does.
    const unsettled = hosts.filter((h) => again.hosts[h]?.tasks.some((t) => t.status === 'changed'));
    const third = unsettled.length ? await applyRound(playbook, o.inventory, unsettled.join(':'), false) : undefined;
    hosts.forEach((host, i) => {
      const [c, a, b] = [check, run, again].map((r) => r.hosts[host]);
      const d = third?.hosts[host];
      const found: string[] = [];
      for (const [what, h] of [['check', c], ['apply', a], ['second apply', b]] as const) {
        if (!h) found.push(`${what}: no result for ${host}`);
        else if (h.unreachable || (h.error && !h.tasks.some((t) => t.status === 'failed'))) found.push(`${what}: ${host} ${h.error ?? 'unreachable'}`);
      }
      if (!found.length) {
        const cmp = compare(c.tasks, a.tasks, b.tasks, d?.tasks);
        if (d) res.settledOnSecond++;
        found.push(...cmp.mismatches);
        res.conditionals += cmp.conditionals;
        res.tasks += c.tasks.length;
      }
      if (found.length) {
        const status = (h: typeof c | undefined, name: string) => {
          const t = h?.tasks.find((x) => x.task === name);
          return t ? `${t.status}${t.error ? ` (${t.error.split('\n')[0].slice(0, 160)})` : ''}` : '-';
        };
        const names = [...new Set([c, a, b, d].flatMap((h) => h?.tasks.map((t) => t.task) ?? []))];
        const table = names.map((n) => `    ${n}: ${status(c, n)} / ${status(a, n)} / ${status(b, n)}${d ? ` / ${status(d, n)}` : ''}`).join('\n');
        const text = `sequence ${seqs[i].n} on ${host}:\n  ${found.join('\n  ')}\n  check / apply / again${d ? ' / third' : ''}:\n${table}\n` +
          `${dump(seqs[i].tasks, { lineWidth: -1 }).replace(/^/gm, '    ')}`;
        res.mismatches.push(text);
        o.log?.(text);
      }
    });
    res.sequences += hosts.length;
  }
  return res;
}
