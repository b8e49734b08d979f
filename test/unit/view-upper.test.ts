// The view's report of what a task did (engine/view/upper.ts diffSnapshots), from two listings of the upper layer:
// created, modified, deleted (a whiteout, or a file made in the view and removed again), and what is no change
// (an entry only copied up and equal to the host's, a directory that only holds changed entries).
// LIST itself runs on this machine on a directory laid out as overlayfs lays out an upper layer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Entry, LIST, diffSnapshots, parseListing } from '../../engine/view/upper.ts';

const e = (p: string, k: Entry['k'], sig: string, lower: Entry['lower']): [string, Entry] => [p, { p, k, sig, lower }];

test('created, modified, deleted; a change since the last listing only', () => {
  const before = new Map([e('/etc/a', 'f', '1', 'absent'), e('/etc/b', 'f', '1', 'differs')]);
  const after = new Map([e('/etc', 'd', '755', 'same'), e('/etc/a', 'f', '1', 'absent'), e('/etc/b', 'f', '2', 'differs'),
    e('/etc/c', 'f', '1', 'absent'), e('/etc/d', 'f', '1', 'differs'), e('/etc/gone', 'w', 'w', 'differs'), e('/var/lib/dpkg/lock', 'f', '1', 'same')]);
  assert.equal(diffSnapshots(before, after), [
    { path: '/etc/b', change: 'modify' }, { path: '/etc/c', change: 'create' }, { path: '/etc/d', change: 'modify' }, { path: '/etc/gone', change: 'delete' }]);
});

test('made in the view and removed again: deleted; made again after a delete: created', () => {
  const before = new Map([e('/tmp/x', 'f', '1', 'absent'), e('/etc/y', 'w', 'w', 'differs')]);
  const after = new Map([e('/etc/y', 'f', '3', 'differs')]);
  assert.equal(diffSnapshots(before, after), [{ path: '/etc/y', change: 'create' }, { path: '/tmp/x', change: 'delete' }]);
});

test('LIST reads an upper layer against a lower one: absent, same, differs; links; a file copied up unchanged', () => {
  const root = mkdtempSync(join(tmpdir(), 'view-upper-'));
  const [upper, lower] = [join(root, 'upper'), join(root, 'lower')];
  for (const d of [upper, lower]) mkdirSync(join(d, 'etc'), { recursive: true });
  writeFileSync(join(lower, 'etc', 'same'), 'x');
  writeFileSync(join(upper, 'etc', 'same'), 'x');
  writeFileSync(join(lower, 'etc', 'changed'), 'x');
  writeFileSync(join(upper, 'etc', 'changed'), 'y');
  writeFileSync(join(upper, 'etc', 'new'), 'z');
  symlinkSync('new', join(upper, 'etc', 'link'));
  try {
    const out = execFileSync('python3', ['-c', LIST, upper, lower], { encoding: 'utf8' });
    const got = [...parseListing(out).values()].map((x) => `${x.p} ${x.k} ${x.lower}`);
    assert.equal(got, ['/etc d same', '/etc/changed f differs', '/etc/link l absent', '/etc/new f absent', '/etc/same f same']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
