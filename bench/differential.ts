// `npm run bench:differential`: the differential test of check mode (test/integration/differential.test.ts)
// at size: thousands of random sequences on fresh lab hosts, each as --check, apply, apply again; prints what
// it ran and every mismatch found, and writes them to bench/results/differential-DATE.json. Never a test.
//   tsx bench/differential.ts [--sequences 2000] [--hosts 10] [--seed N]
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, down, freshHosts } from './hosts.ts';
import { loadCorpus } from '../test/helpers/differential-corpus.ts';
import { runDifferential } from '../test/helpers/differential-run.ts';

const { values } = parseArgs({ options: { sequences: { type: 'string', default: '2000' }, hosts: { type: 'string', default: '10' }, seed: { type: 'string' } } });
const sequences = Number(values.sequences);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

try {
  log(`${values.hosts} fresh lab hosts`);
  const lab = freshHosts(Number(values.hosts));
  const corpus = loadCorpus(join(ROOT, 'test/fixtures/modules'));
  log(`${sequences} sequences from ${corpus.length} corpus tasks, seed ${seed}`);
  const t0 = performance.now();
  let reported = 0;
  const r = await runDifferential({ corpus, seed, sequences, hosts: lab.hosts.map((h) => h.name), inventory: lab.inventory,
    dir: mkdtempSync(join(tmpdir(), 'provision-dxb-')), log: (l) => { reported++; log(`mismatch ${reported}:\n${l}`); } });
  const seconds = (performance.now() - t0) / 1000;
  const summary = { date: new Date().toISOString(), seed, hosts: lab.hosts.length, sequences: r.sequences, tasks: r.tasks, conditionals: r.conditionals, settled_on_second_apply: r.settledOnSecond,
    mismatches: r.mismatches.length, seconds: Number(seconds.toFixed(1)), replay: `tsx bench/differential.ts --sequences ${sequences} --hosts ${values.hosts} --seed ${seed}` };
  console.log(JSON.stringify(summary, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `differential-${summary.date.slice(0, 19).replace(/:/g, '')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...summary, found: r.mismatches }, null, 2)}\n`);
  log(`written ${file}`);
  process.exitCode = r.mismatches.length ? 1 : 0;
} finally {
  down();
}
