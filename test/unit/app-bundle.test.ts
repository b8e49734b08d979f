// lab/app-bundle.ts, the one builder of the test app's bundle, with a stand-in fibers pack (no registry): the 0.6.5
// layout with fibers under programs/server/node_modules, the same bytes (so the same release id) from two caches
// built at different times, the release text and a test's faults making other bundles, and the cache reused.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NpmPack } from '../../engine/module.ts';
import { APP_FIBERS, RELEASE_FILE, appBundle } from '../../lab/app-bundle.ts';

const top = mkdtempSync(join(tmpdir(), 'app-bundle-'));
const asked: string[] = [];

// Made once: a tarball made again a second later holds other mtimes, so another sha256, and so another bundle key
// (the registry's pack is the same bytes every time).
let packed: NpmPack | undefined;
function fakePack(): NpmPack {
  if (packed) return packed;
  const d = join(top, 'pack');
  mkdirSync(join(d, 'fibers/bin/linux-x64-v8-3.11'), { recursive: true });
  writeFileSync(join(d, 'fibers/package.json'), JSON.stringify({ name: 'fibers', version: '1.0.1', scripts: { install: 'node ./build.js' } }));
  writeFileSync(join(d, 'fibers/bin/linux-x64-v8-3.11/fibers.node'), 'not really a binary');
  const tarball = execFileSync('tar', ['-czf', '-', '-C', d, 'fibers']);
  packed = { name: 'fibers', version: '1.0.1', bins: {}, sha256: createHash('sha256').update(tarball).digest('hex'), tarball };
  return packed;
}
const pack = (spec: string) => { asked.push(spec); return fakePack(); };

function withCache<T>(name: string, f: () => T): T {
  const before = process.env.PROVISION_CACHE_DIR;
  process.env.PROVISION_CACHE_DIR = join(top, name);
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.PROVISION_CACHE_DIR;
    else process.env.PROVISION_CACHE_DIR = before;
  }
}

const list = (tgz: string) => execFileSync('tar', ['-tzvf', tgz], { encoding: 'utf8' });
const read = (tgz: string, path: string) => execFileSync('tar', ['-xzOf', tgz, path], { encoding: 'utf8' });

test('the 0.6.5 layout, fibers from the pack under programs/server/node_modules', () => {
  const b = withCache('one', () => appBundle(pack));
  assert.equal(asked, [APP_FIBERS]);
  assert.is(APP_FIBERS, 'fibers@1.0.1');
  assert.is(read(b.tarball, 'bundle/main.js'),
    "process.argv.splice(2, 0, 'program.json');\nprocess.chdir(require('path').join(__dirname, 'programs', 'server'));\nrequire('./programs/server/boot.js');\n");
  assert.match(read(b.tarball, 'bundle/README'), "Node.js 0.8 (with the 'fibers' package)");
  assert.equal(JSON.parse(read(b.tarball, 'bundle/star.json')).programs.map((p: { name: string }) => p.name), ['client', 'server']);
  assert.is(read(b.tarball, 'bundle/server/.bundle_version.txt'), '0.3.21\n');
  assert.is(JSON.parse(read(b.tarball, 'bundle/programs/server/node_modules/fibers/package.json')).version, '1.0.1');
  assert.is(read(b.tarball, `bundle/${RELEASE_FILE}`), 'test-release-1\n');
  assert.is(b.id, b.sha256.slice(0, 12));
  assert.is(createHash('sha256').update(readFileSync(b.tarball)).digest('hex'), b.sha256);
  assert.is(readFileSync(join(b.dir, 'bundle/programs/server/node_modules/fibers/bin/linux-x64-v8-3.11/fibers.node'), 'utf8'), 'not really a binary');
  // Every entry: root's numeric owner, one mtime; each directory's entries in name order (tar --sort=name).
  const lines = list(b.tarball).trim().split('\n');
  assert.ok(lines.every((l) => / 0\/0 /.test(l) && / 2013-09-13 00:00 /.test(l)), lines.join('\n'));
  const byDir = new Map<string, string[]>();
  for (const name of lines.map((l) => l.split(' ').pop()!.replace(/\/$/, ''))) {
    const parent = name.slice(0, name.lastIndexOf('/'));
    byDir.set(parent, [...(byDir.get(parent) ?? []), name]);
  }
  for (const names of byDir.values()) assert.equal(names, [...names].sort());
});

test('the same bytes from another cache, built later: the same release id', async () => {
  const one = withCache('one', () => appBundle(pack));
  await new Promise((r) => setTimeout(r, 1100));
  const two = withCache('two', () => appBundle(pack));
  assert.is.not(one.tarball, two.tarball);
  assert.is(two.sha256, one.sha256);
});

test('the release text and a fault make other bundles; the cache gives back the one built', () => {
  const base = withCache('one', () => appBundle(pack));
  const mtime = statSync(base.tarball).mtimeMs;
  const r2 = withCache('one', () => appBundle(pack, { release: 'test-release-2' }));
  assert.is(read(r2.tarball, `bundle/${RELEASE_FILE}`), 'test-release-2\n');
  assert.is.not(r2.id, base.id);
  const broken = withCache('one', () => appBundle(pack, { release: 'x', files: { 'programs/server/node_modules/fibers/bin/linux-x64-v8-3.11': null } }));
  assert.not.match(list(broken.tarball), 'linux-x64-v8-3.11');
  assert.is(withCache('one', () => appBundle(pack)).tarball, base.tarball);
  assert.is(statSync(base.tarball).mtimeMs, mtime, 'not built again');
  assert.throws(() => withCache('one', () => appBundle(pack, { files: { '../escape': 'x' } })), /bad path/);
});

test.after(() => { execFileSync('rm', ['-rf', top]); });

test.run();
