// Check mode, differentially, on real lab hosts: random sequences of corpus tasks with register, when, loop and
// notify (test/helpers/differential.ts), each run as --check, apply, apply again. Every task's status and change
// list in check must equal apply's (a conditional only with its reason) and the second apply changes nothing.
// DIFF_SEQUENCES (default 12) sequences on DIFF_HOSTS hosts (default 3); DIFF_SEED replays a run.
// bench/differential.ts runs thousands.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCorpus } from '../helpers/differential-corpus.ts';
import { runDifferential } from '../helpers/differential-run.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('differential check');
const HOSTS = Number(process.env.DIFF_HOSTS ?? 3);
const SEQUENCES = Number(process.env.DIFF_SEQUENCES ?? 12);
const SEED = Number(process.env.DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
let lab: TestLab;

useLab(test, 'dx', HOSTS, (l) => { lab = l; });

test(`check says what apply does: ${SEQUENCES} random sequences, seed ${SEED}`, async () => {
  const corpus = loadCorpus(new URL('../fixtures/modules/', import.meta.url).pathname);
  const r = await runDifferential({ corpus, seed: SEED, sequences: SEQUENCES, hosts: lab.hosts.map((h) => h.name), inventory: lab.inventory,
    dir: mkdtempSync(join(tmpdir(), 'provision-dx-')), log: (l) => console.log(l) });
  console.log(`differential: seed ${SEED}, ${r.sequences} sequences, ${r.tasks} tasks, ${r.conditionals} conditional, ${r.settledOnSecond} settled on their second apply, ${r.mismatches.length} mismatches ` +
    `(replay: DIFF_SEED=${SEED} DIFF_SEQUENCES=${SEQUENCES} DIFF_HOSTS=${HOSTS})`);
  assert.is(r.sequences, SEQUENCES, 'every sequence ran');
  assert.ok(r.tasks >= SEQUENCES, 'every sequence ran a task at least');
  assert.equal(r.mismatches, [], r.mismatches.join('\n'));
});

test.run();
