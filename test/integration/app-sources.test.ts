// The app module's other sources on a real lab host: a git repo served by the lab mirror over git's dumb
// HTTP protocol (tags r1, r2; the release id is the commit), and a bundle tarball from a URL on the mirror.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mirrorDir, publishGitRepo } from '../../lab/mirror.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { RELEASE_FILE } from '../../lab/app-bundle.ts';
import { built, bundle } from '../helpers/bundle.ts';
import { type TestLab, sh, startLab } from '../helpers/lab.ts';

const test = suite('app-sources');
const PB = 'test/fixtures/playbooks/app-sources.yml';
const PORTS = [3000, 3001];
let lab: TestLab;
let ssh: SshConnection;
let mirror: string;
let repo: string;
let tarballUrl: string;
const info = async (port: number) => JSON.parse(await sh(ssh, `curl -sf http://127.0.0.1:${port}/`)) as { pid: number; release: string; node: string };
const task = (r: Awaited<ReturnType<typeof applyJson>>, name: string) => r.report.hosts['src-1'].tasks.find((t) => t.task === name)!;
const apply = (...extra: string[]) => applyJson([PB, '-e', `git_repo=${repo}`, '-e', `tarball_url=${tarballUrl}`, ...extra], lab.inventory);
const pids: Record<number, number> = {};

test.before(async () => {
  lab = await startLab('src', 1).catch((err) => { console.error(err); throw err; });
  ssh = await lab.connect(lab.hosts[0]);
  const vars = (load(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8')) as { all: { vars: { node_mirror: string } } }).all.vars;
  mirror = vars.node_mirror.replace(/\/dist$/, '');
  tarballUrl = `${mirror}/bundles/pegleg-src.tgz`;
  // A repo holding a built bundle (node_modules committed, as apps deployed from git without a build did).
  repo = mirror + publishGitRepo('pegleg-src', built('git-release-0').dir, [
    { message: 'release 1', files: { [`bundle/${RELEASE_FILE}`]: 'git-release-1\n' }, tag: 'r1' },
    { message: 'release 2', files: { [`bundle/${RELEASE_FILE}`]: 'git-release-2\n' }, tag: 'r2' },
  ]);
});
test.after(async () => {
  ssh?.close();
  await lab?.down();
});

test('git at tag r1: released as its commit, every instance answers with r1', async () => {
  const r = await apply('-e', 'version=r1');
  assert.is(r.code, 0, r.raw);
  const changes = task(r, 'app from git').changes;
  assert.match(changes[0], /^deploy release [0-9a-f]{12} from http:\/\/.*\/git\/pegleg-src\.git r1, its native npm packages rebuilt for \/usr\/local\/bin\/node$/);
  const id = changes[0].split(' ')[2];
  const commit = (await sh(ssh, `git ls-remote ${repo} 'refs/tags/r1^{}' | cut -c1-40`)).trim();
  assert.is(id, commit.slice(0, 12));
  assert.is((await sh(ssh, `cat /srv/pegleg/releases/${id}/REVISION`)).trim(), commit);
  assert.is((await sh(ssh, 'readlink /srv/pegleg/current')).trim(), `releases/${id}`);
  for (const port of PORTS) {
    const i = await info(port);
    assert.equal([i.release, i.node], ['git-release-1', 'v0.8.28']);
    pids[port] = i.pid;
  }
});

test('a second run at r1 changes nothing', async () => {
  const r = await apply('-e', 'version=r1');
  assert.is(r.code, 0, r.raw);
  assert.is(r.report.hosts['src-1'].changed, 0, r.raw);
});

test('tag r2 deploys its commit and restarts every instance on it', async () => {
  const r = await apply('-e', 'version=r2');
  assert.is(r.code, 0, r.raw);
  const changes = task(r, 'app from git').changes;
  assert.is(changes.length, 4, changes.join('\n'));
  assert.match(changes[1], /^restart pegleg-3000 on release [0-9a-f]{12} \(was [0-9a-f]{12}\)$/);
  for (const port of PORTS) {
    const i = await info(port);
    assert.is(i.release, 'git-release-2');
    assert.is.not(i.pid, pids[port], `port ${port} runs a new process`);
  }
});

test('rollback serves r1 again', async () => {
  const r = await apply('-e', 'version=r2', '-e', 'rollback=true');
  assert.is(r.code, 0, r.raw);
  assert.match(task(r, 'app from git').changes.at(-1)!, /^roll back: switch current to [0-9a-f]{12} \(was [0-9a-f]{12}\)$/);
  for (const port of PORTS) assert.is((await info(port)).release, 'git-release-1');
});

test('a version that looks like an option is refused before the host runs git', async () => {
  const r = await apply('-e', 'version=--upload-pack=touch /tmp/pwned');
  assert.is(r.code, 1, r.raw);
  assert.match(task(r, 'app from git').error!, /"git\.version" must be a branch, a tag or a full commit/);
  assert.is((await ssh.exec('test -e /tmp/pwned')).code, 1);
});

test('bundle_url: a tarball from the mirror, deployed as its release', async () => {
  mkdirSync(join(mirrorDir(), 'bundles'), { recursive: true });
  copyFileSync(bundle('url-release-1'), join(mirrorDir(), 'bundles', 'pegleg-src.tgz'));
  const url = tarballUrl;
  const r = await apply('-e', 'source=url');
  assert.is(r.code, 0, r.raw);
  assert.is(task(r, 'app from a tarball url').changes[0], `deploy release tarball-1 from ${url}, its native npm packages rebuilt for /usr/local/bin/node`);
  for (const port of PORTS) assert.is((await info(port)).release, 'url-release-1');
  const again = await apply('-e', 'source=url');
  assert.is(again.report.hosts['src-1'].changed, 0, again.raw);
});

test.run();
