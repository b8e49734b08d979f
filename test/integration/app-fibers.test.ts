// The test app as a Meteor 0.6.5 bundle on real fibers (fibers@1.0.1 from the npm registry) on a lab host with
// Node 0.8.28: the deploy rebuilds the bundle's native npm packages as the app's user before any instance runs
// the release, and every request is answered inside a fiber; a bundle whose fibers has no binary for the host
// (so it must compile, and node-gyp finds no Python 2) fails the deploy cleanly, the previous release still
// serving; a git source built on the host (the repo's build.sh standing in for `mrt bundle OUT.tgz`, which the
// lab's Meteor stand-in cannot do), and a build that fails.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishGitRepo } from '../../lab/mirror.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { built } from '../helpers/bundle.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('app-fibers');
const PB = 'test/fixtures/playbooks/app-fibers.yml';
const PORTS = [3000, 3001];
let lab: TestLab;
let ssh: SshConnection;
type Info = { port: number; pid: number; node: string; release: string; fibers: { version: string; binary: string; inFiber: boolean; resumed: boolean } };
const info = async (port: number) => JSON.parse(await sh(ssh, `curl -sf http://127.0.0.1:${port}/`)) as Info;
const task = (r: Awaited<ReturnType<typeof applyJson>>, name: string) => r.report.hosts['fib-1'].tasks.find((t) => t.task === name)!;
const releases = async () => (await sh(ssh, 'ls -A /srv/pegleg/releases')).split('\n').filter(Boolean).sort();
const pids: Record<number, number> = {};
let firstId = '';

useLab(test, 'fib', 1, (l, s) => { lab = l; ssh = s[0]; });

test('a bundle with fibers: rebuilt as the app user on deploy, every instance answers inside a fiber on Node 0.8.28', async () => {
  const b = built('fibers-release-1');
  const r = await applyJson([PB, '-e', `bundle=${b.tarball}`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const changes = task(r, 'app').changes;
  assert.is(changes[0], `deploy release ${b.id} (${changes[0].split('(')[1].split(')')[0]}), its native npm packages rebuilt for /usr/local/bin/node`);
  firstId = b.id;
  for (const port of PORTS) {
    const i = await info(port);
    assert.equal([i.node, i.release, i.fibers], ['v0.8.28', 'fibers-release-1', { version: '1.0.1', binary: 'linux-x64-v8-3.11', inFiber: true, resumed: true }]);
    pids[port] = i.pid;
  }
  // npm's install lifecycle ran for fibers, as deploy: its build.js kept the prebuilt binary after its quick test.
  const log = await sh(ssh, 'cat /srv/pegleg/shared/log/rebuild-native.log');
  assert.match(log, `== release ${b.id}: npm rebuild fibers in bundle/programs/server, as deploy (node v0.8.28, npm 1.2.30)`);
  assert.match(log, /`linux-x64-v8-3\.11` exists; testing\nBinary is fine; exiting/);
  assert.is((await sh(ssh, `stat -c %U /srv/pegleg/releases/${b.id}/bundle/programs/server/node_modules/fibers/bin/linux-x64-v8-3.11/fibers.node`)).trim(), 'deploy');
  assert.equal(await releases(), [b.id]);
  // The 0.6.5 layout, as nginx and forever use it: main.js at the top, the client's files under programs/client/app.
  assert.is((await sh(ssh, 'cat /srv/pegleg/current/bundle/programs/client/app/hello.txt')).trim(), 'hello from the bundle static dir');
  assert.match(await sh(ssh, 'cat /srv/pegleg/current/bundle/README'), 'npm install fibers@1.0.1');
});

test('the same bundle again changes nothing (no rebuild)', async () => {
  const r = await applyJson([PB, '-e', `bundle=${built('fibers-release-1').tarball}`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.is(r.report.hosts['fib-1'].changed, 0, r.raw);
});

test('fibers without a binary for the host: the build fails the deploy, naming the release, the package and the reason; nothing restarts', async () => {
  const b = built('fibers-release-broken', 'no-fibers-binary');
  const r = await applyJson([PB, '-e', `bundle=${b.tarball}`], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const t = task(r, 'app');
  assert.is(t.status, 'failed');
  assert.match(t.error!, `release ${b.id}: the native npm package fibers (bundle/programs/server/node_modules/fibers) did not build for node v0.8.28 ` +
    '(npm 1.2.30: npm rebuild fibers, as deploy): Can\'t find Python executable "python", you can set the PYTHON env variable. ' +
    'The release was not deployed; npm\'s output is in /srv/pegleg/shared/log/rebuild-native.log');
  assert.equal(await releases(), [firstId], 'no releases/ID, no releases/ID.tmp');
  assert.is((await sh(ssh, 'readlink /srv/pegleg/current')).trim(), `releases/${firstId}`);
  for (const port of PORTS) {
    const i = await info(port);
    assert.equal([i.release, i.pid], ['fibers-release-1', pids[port]], `port ${port} still runs the previous release, not restarted`);
  }
  assert.match(await sh(ssh, 'cat /srv/pegleg/shared/log/rebuild-native.log'), 'gyp ERR! not ok');
});

let repo = '';
test('git.build: the commit checked out on the host, its build run there as the app user, the tarball it writes deployed', async () => {
  const vars = (load(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8')) as { all: { vars: { node_mirror: string } } }).all.vars;
  const buildSh = (fail: boolean) => `#!/bin/sh
# The test repo's build, standing in for \`mrt bundle OUT.tgz\` (the lab's Meteor cannot bundle): the bundle committed
# here, with a release.txt saying who built which commit, packed into the path given last.
set -e
${fail ? 'echo "build.sh: cannot build (on purpose)" >&2; exit 3\n' : ''}rm -rf .build && mkdir .build && cp -R bundle .build/bundle
printf '%s built by %s from %s\\n' "$(cat VERSION)" "$(id -un)" "$(git rev-parse --short=12 HEAD)" > .build/bundle/programs/server/assets/app/release.txt
tar -czf "$1" -C .build bundle
`;
  repo = vars.node_mirror.replace(/\/dist$/, '') + publishGitRepo('pegleg-fibers', built('git-source').dir, [
    { message: 'release 1', files: { 'VERSION': 'git-1\n', 'build.sh': buildSh(false) }, tag: 'r1' },
    { message: 'a build that fails', files: { 'build.sh': buildSh(true) }, tag: 'broken' },
  ]);
  const r = await applyJson([PB, '-e', 'source=git', '-e', `git_repo=${repo}`, '-e', 'version=r1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const commit = (await sh(ssh, `git ls-remote ${repo} 'refs/tags/r1^{}' | cut -c1-40`)).trim();
  const id = commit.slice(0, 12);
  assert.is(task(r, 'app built from git').changes[0],
    `deploy release ${id} from ${repo} r1, built by \`sh build.sh\`, its native npm packages rebuilt for /usr/local/bin/node`);
  for (const port of PORTS) {
    const i = await info(port);
    assert.equal([i.release, i.fibers.inFiber], [`git-1 built by deploy from ${id}`, true]);
  }
  assert.is((await sh(ssh, `cat /srv/pegleg/releases/${id}/REVISION`)).trim(), commit);
  assert.equal(await releases(), [firstId, id].sort(), 'the build directory is gone');
});

test('a build that fails: the error says so with its last lines; nothing is left, the release before keeps serving', async () => {
  const r = await applyJson([PB, '-e', 'source=git', '-e', `git_repo=${repo}`, '-e', 'version=broken'], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const commit = (await sh(ssh, `git ls-remote ${repo} 'refs/tags/broken^{}' | cut -c1-40`)).trim();
  const error = task(r, 'app built from git').error!;
  assert.match(error, 'build.sh: cannot build (on purpose)');
  assert.match(error, `the build of ${commit} failed ("sh build.sh" in ., as deploy): its output is in /srv/pegleg/shared/log/git-build.log`);
  assert.is((await releases()).filter((x) => x.endsWith('.tmp')).length, 0, 'no staged release, no build directory');
  for (const port of PORTS) assert.match((await info(port)).release, /^git-1 built by deploy/);
});

test.run();
