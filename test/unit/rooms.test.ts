// The house rules (bin/check-rooms.mjs, run by .ci/run): they hold for this tree, and each broken one is found.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../..', import.meta.url).pathname;
const script = join(root, 'bin/check-rooms.mjs');
const check = (dir: string) => spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });

/** A tree of the given files, checked. */
function tree(files: Record<string, string>): { code: number | null; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rooms-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = check(dir);
    return { code: r.status, lines: r.stdout.trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fine = {
  'engine/module.ts': 'export type ModuleDef = { name: string };\n',
  'engine/become.ts': "export const asUser = (c: string) => `sudo -n -- ${c}`;\n",
  'modules/index.ts': "import type { ModuleDef } from '../engine/module.ts';\nexport const modules: ModuleDef[] = [];\n",
  'cli/main.ts': "import { Command } from 'commander';\nimport { modules } from '../modules/index.ts';\nimport { asUser } from '../engine/become.ts';\nnew Command(); void modules; void asUser;\n",
};

test('this tree keeps every rule', () => {
  const r = check(root);
  assert.is(r.status, 0, r.stdout);
  assert.match(r.stdout, /rooms: \d+ files, \d+ imports: every rule holds/);
});

test('a tree that keeps the rules passes', () => {
  assert.equal(tree(fine), { code: 0, lines: ['rooms: 4 files, 4 imports: every rule holds'] });
});

test('each broken rule is named at its file and line', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'engine/run.ts': "\nimport { modules } from '../modules/index.ts';\n" }, /^engine\/run\.ts:2: engine\/ imports modules\/index\.ts: engine\/ may import only engine$/m],
    [{ 'engine/run.ts': "import { modules } from '../modules/index.ts';\n" }, /^engine\/run\.ts:1: engine\/ imports modules\/index\.ts, which only cli\/ may import$/m],
    [{ 'engine/run.ts': "const lab = () => import('../lab/lab.ts');\n", 'lab/lab.ts': '' }, /^engine\/run\.ts:1: engine\/ imports lab\/lab\.ts/m],
    [{ 'lab/lab.ts': "import { x } from '../loadtest/x.ts';\n", 'loadtest/x.ts': 'export const x = 1;\n' }, /^lab\/lab\.ts:1: lab\/ imports loadtest\/x\.ts/m],
    [{ 'modules/apt.ts': "import { Option } from 'commander';\n" }, /^modules\/apt\.ts:1: modules\/ imports commander, which only cli\/ may import$/m],
    [{ 'engine/a.ts': "import type { B } from './b.ts';\nexport type A = B;\n", 'engine/b.ts': "import type { A } from './a.ts';\nexport type B = A | 1;\n" },
      /^engine\/a\.ts:1: an import circle: engine\/a\.ts -> engine\/b\.ts$/m],
    [{ 'engine/where.ts': 'export type ModuleDef = { file: string };\n' }, /type ModuleDef is defined more than once: engine\/module\.ts:1, engine\/where\.ts:1$/m],
    [{ 'engine/gather.ts': "export const run = (u: string) => `sudo -n -u ${u} -- sh -s`;\n" }, /^engine\/gather\.ts:1: a sudo command line outside engine\/become\.ts/m],
  ];
  for (const [extra, want] of cases) {
    const r = tree({ ...fine, ...extra });
    assert.is(r.code, 1, JSON.stringify(extra));
    assert.match(r.lines.join('\n'), want);
    assert.match(r.lines.at(-1)!, /^rooms: \d+ broken rule\(s\)$/);
  }
});

test.run();
