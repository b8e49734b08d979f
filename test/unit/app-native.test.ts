// The app module's rebuild of a staged release's native npm packages (modules/app/native.ts), its script run on
// this machine against release trees made here, with a stand-in node and npm that record each `npm rebuild` (the
// real npm 1.2.30 on Node 0.8.28 is test/integration/app-fibers.test.ts's): which packages count as native, in
// which directory npm runs for each, as which user, and what a failure leaves and says.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REBUILD_NATIVE } from '../../modules/app/native.ts';

const top = mkdtempSync(join(tmpdir(), 'app-native-'));
const script = join(top, 'rebuild-native');
writeFileSync(script, REBUILD_NATIVE, { mode: 0o755 });
const user = userInfo().username;
const calls = join(top, 'calls');

/** A node directory with a node and (unless `npm` is false) an npm that logs its rebuilds and fails for `failing`. */
function nodeDir(name: string, o: { npm?: boolean; failing?: string } = {}): string {
  const dir = join(top, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'node'), '#!/bin/sh\necho v0.8.28\n', { mode: 0o755 });
  if (o.npm !== false) {
    writeFileSync(join(dir, 'npm'), `#!/bin/sh
case "$1" in
  -v) echo 1.2.30 ;;
  rebuild) echo "$2 in $PWD as $(id -un)" >> ${calls}
    if [ "$2" = "${o.failing ?? ''}" ]; then
      echo "> $2@1.0.0 install $PWD/node_modules/$2"
      echo "gyp ERR! configure error"
      echo "gyp ERR! stack Error: Can't find Python executable \\"python\\", you can set the PYTHON env variable."
      echo "npm ERR! not ok code 0"; exit 1
    fi ;;
esac
`, { mode: 0o755 });
  }
  return dir;
}

/** A staged release releases/ID.tmp holding `files` (relative to it; JSON text for package.json). */
function staged(id: string, files: string[]): string {
  const dir = join(top, 'srv', 'releases', `${id}.tmp`);
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), f.endsWith('package.json') ? JSON.stringify({ name: dirname(f).split('/').pop(), version: '1.0.0' }) : '{}');
  }
  return dir;
}

function run(dir: string, id: string, node: string) {
  rmSync(calls, { force: true });
  const r = spawnSync(script, [dir, id, user, node, join(top, 'srv', 'shared', 'log', 'rebuild-native.log')], { encoding: 'utf8' });
  const made = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  return { code: r.status, stderr: r.stderr.trim(), calls: made };
}

const pkg = (p: string) => [`${p}/package.json`, `${p}/binding.gyp`];

test('each native package (a package dir with a binding.gyp) is rebuilt by name where its node_modules is, as the user', () => {
  const b = 'bundle/programs/server';
  const dir = staged('r1', [
    ...pkg(`${b}/node_modules/fibers`),
    ...pkg(`${b}/node_modules/fibers/node_modules/inner`),
    ...pkg(`${b}/npm/mongo-livedata/main/node_modules/bson`),
    ...pkg('bundle/server/node_modules/old'),
    `${b}/node_modules/underscore/package.json`,
    `${b}/node_modules/plain/package.json`, `${b}/node_modules/plain/deps/x/binding.gyp`,
    `${b}/node_modules/nopackage/binding.gyp`,
    ...pkg('bundle/programs/client/node_modules/ignored'),
  ]);
  const r = run(dir, 'r1', nodeDir('n1'));
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.calls.sort(), [
    `bson in ${dir}/${b}/npm/mongo-livedata/main as ${user}`,
    `fibers in ${dir}/${b} as ${user}`,
    `inner in ${dir}/${b} as ${user}`,
    `old in ${dir}/bundle/server as ${user}`,
  ]);
  assert.ok(existsSync(dir), 'the staged release stays for the rename');
  assert.match(readFileSync(join(top, 'srv/shared/log/rebuild-native.log'), 'utf8'), `== release r1: npm rebuild fibers in ${b}, as ${user} (node v0.8.28, npm 1.2.30)`);
});

test('a release without native packages needs no npm', () => {
  const dir = staged('r2', ['bundle/main.js', 'bundle/programs/server/node_modules/underscore/package.json']);
  const r = run(dir, 'r2', nodeDir('n2', { npm: false }));
  assert.equal([r.code, r.calls, existsSync(dir)], [0, [], true]);
});

test('native packages and no npm beside node: the deploy fails and the staged release goes', () => {
  const dir = staged('r3', pkg('bundle/programs/server/node_modules/fibers'));
  const node = nodeDir('n3', { npm: false });
  const r = run(dir, 'r3', node);
  assert.is(r.code, 1);
  assert.is(r.stderr, `release r3: it has native npm packages (fibers) to rebuild for this host's Node, but there is no npm beside node in ${node}`);
  assert.not.ok(existsSync(dir));
});

test('a package that does not build: the release, the package, its path and the reason; the staged release goes', () => {
  const dir = staged('r4', [...pkg('bundle/programs/server/node_modules/fibers'), ...pkg('bundle/programs/server/node_modules/zz')]);
  const r = run(dir, 'r4', nodeDir('n4', { failing: 'fibers' }));
  assert.is(r.code, 1);
  assert.is(r.stderr, `release r4: the native npm package fibers (bundle/programs/server/node_modules/fibers) did not build for node v0.8.28 ` +
    `(npm 1.2.30: npm rebuild fibers, as ${user}): Can't find Python executable "python", you can set the PYTHON env variable. ` +
    `The release was not deployed; npm's output is in ${top}/srv/shared/log/rebuild-native.log`);
  assert.equal(r.calls, [`fibers in ${dir}/bundle/programs/server as ${user}`], 'stops at the first failure');
  assert.not.ok(existsSync(dir));
});

test('a directory that is not a staged release is refused and left alone', () => {
  const dir = join(top, 'srv', 'releases', 'r5');
  mkdirSync(dir, { recursive: true });
  const r = run(dir, 'r5', nodeDir('n5'));
  assert.equal([r.code, r.stderr, existsSync(dir)], [2, `rebuild-native: ${dir} is not a staged release`, true]);
});

test.after(() => { execFileSync('rm', ['-rf', top]); });

test.run();
