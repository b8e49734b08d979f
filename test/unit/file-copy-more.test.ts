// The text algorithms behind file's and copy's newer arguments, with Ansible's own code as the oracle, run on this
// machine: a time read in modification_time_format (Python's time.strptime), a local directory walked for copy
// (the copy action's _walk_dirs: "dir/" and "dir", local_follow, a link looping back), and the tree fact of recurse
// (every entry found as os.walk finds it, a symlink's target read, a tree too large said so).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { walkLocalDir } from '../../engine/local-tree.ts';
import { MAX_TREE, treeFact } from '../../modules/file/facts.ts';
import { localTime } from '../../modules/file/strptime.ts';

const py = (code: string, ...args: string[]) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });

test('a time in its format: the local time Python\'s time.strptime reads, or its refusal', () => {
  const cases: Array<[string, string]> = [
    ['202401021530.00', '%Y%m%d%H%M.%S'], ['197001010000.00', '%Y%m%d%H%M.%S'], ['2021-02-03 04:05', '%Y-%m-%d %H:%M'],
    ['03/Feb/21 4:5:6', '%d/%b/%y %H:%M:%S'], ['2024-02-30', '%Y-%m-%d'], ['2024-13-01', '%Y-%m-%d'], ['2024-01-02', '%Y%m%d%H%M.%S'],
    ['99-1-2', '%y-%m-%d'], ['24%', '%y%%'], ['2023-02-29', '%Y-%m-%d'], ['2024-02-29', '%Y-%m-%d'],
  ];
  for (const [value, format] of cases) {
    const theirs = py(`import sys,time
try: print(time.strftime('%Y-%m-%d %H:%M:%S', time.strptime(sys.argv[1], sys.argv[2])))
except ValueError: print('error')`, value, format).trim();
    let mine: string;
    try {
      mine = localTime(value, format);
    } catch (err) {
      assert.match((err as Error).message, `Error while obtaining timestamp for time ${value} using format ${format}`);
      mine = 'error';
    }
    assert.is(mine, theirs, `${value} in ${format}`);
  }
  assert.throws(() => localTime('5', '%j'), /%j is not supported/);
});

const root = mkdtempSync(join(tmpdir(), 'fc-'));
const src = join(root, 'src');
mkdirSync(join(src, 'sub', 'deep'), { recursive: true });
mkdirSync(join(root, 'outside'));
writeFileSync(join(src, 'a.txt'), 'a\n');
writeFileSync(join(src, 'sub', 'b.txt'), 'b\n');
writeFileSync(join(src, 'sub', 'deep', 'c.txt'), 'c\n');
writeFileSync(join(root, 'outside', 'o.txt'), 'o\n');
symlinkSync('a.txt', join(src, 'to-file'));
symlinkSync('nowhere', join(src, 'dangling'));
symlinkSync('..', join(src, 'sub', 'up'));
symlinkSync('../outside', join(src, 'out'));

test('a local directory walked as the copy action walks it ("dir/", "dir"; local_follow or not)', () => {
  for (const follow of [true, false]) {
    for (const slash of [true, false]) {
      const top = slash ? `${src}/` : src;
      const theirs = JSON.parse(py(`import sys,json
from ansible.plugins.action.copy import _walk_dirs
print(json.dumps(_walk_dirs(sys.argv[1], local_follow=sys.argv[2] == 'yes')))`, top, follow ? 'yes' : 'no')) as
        { files: Array<[string, string]>; directories: Array<[string, string]>; symlinks: Array<[string, string]> };
      const mine = walkLocalDir(top, { trailingSlash: slash, follow });
      const label = `${slash ? 'dir/' : 'dir'}, local_follow ${follow}`;
      assert.equal(mine.files.map((f) => [f.path, f.rel]).sort(), theirs.files.sort(), `files: ${label}`);
      assert.equal([...mine.directories].sort(), theirs.directories.map(([, rel]) => rel).sort(), `directories: ${label}`);
      assert.equal(mine.symlinks.map((s) => [s.target, s.rel]).sort(), theirs.symlinks.sort(), `symlinks: ${label}`);
    }
  }
});

test('the tree below a directory: every entry (os.walk), what a symlink leads to; one too large said so', () => {
  const def = treeFact(src);
  const tree = def.parse(spawnSync('sh', ['-c', def.script], { encoding: 'utf8' }).stdout, 0);
  const theirs = JSON.parse(py(`import os,sys,json
out = []
for r, ds, fs in os.walk(sys.argv[1]):
    out += [os.path.join(r, x) for x in ds + fs]
print(json.dumps(out))`, src)) as string[];
  assert.equal(tree.entries.map((e) => e.path).sort(), theirs.sort());
  assert.not.ok(tree.truncated);
  const by = new Map(tree.entries.map((e) => [e.path.slice(src.length + 1), e]));
  assert.equal(by.get('to-file')?.to?.real, join(src, 'a.txt'));
  assert.is(by.get('to-file')?.to?.state.state, 'file');
  assert.is(by.get('out')?.to?.state.state, 'directory');
  assert.is(by.get('dangling')?.state.state, 'link');
  assert.is(by.get('dangling')?.to, undefined, 'a link leading nowhere has no target');
  assert.is(by.get('sub/deep')?.state.state, 'directory');
  assert.match(by.get('a.txt')!.state.mode!, /^0[0-7]{3}$/);

  const big = join(root, 'big');
  mkdirSync(big);
  for (let i = 0; i <= MAX_TREE; i++) writeFileSync(join(big, `f${i}`), '');
  const large = treeFact(big);
  const read = large.parse(spawnSync('sh', ['-c', large.script], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }).stdout, 0);
  assert.ok(read.truncated, 'more than MAX_TREE entries is said so');
  assert.is(read.entries.length, MAX_TREE);
});

test.run();
