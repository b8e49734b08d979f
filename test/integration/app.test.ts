// The app module on a real lab host: the test app (a Meteor 0.6.5 bundle on fibers) deployed as bundle
// tarballs, run under forever by systemd on Node 0.8.28, rolled, scaled, rolled back, and a bundle that
// cannot start stopping the task at the first instance.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('app');
const PB = 'test/fixtures/playbooks/app.yml';
const SECRET = 's3cret-Mail-pa55';
let lab: TestLab;
let ssh: SshConnection;
type Info = { port: number; pid: number; node: string; release: string; env: Record<string, boolean> };
const info = async (port: number) => JSON.parse(await sh(ssh, `curl -sf http://127.0.0.1:${port}/`)) as Info;
const status = async (port: number) => (await ssh.exec(`curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${port}/ping`)).stdout.trim();
const appTask = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['app-1'].tasks.find((t) => t.task === 'app')!;
const apply = async (...extra: string[]) => {
  const r = await applyJson([PB, ...extra], lab.inventory);
  assert.not.ok(r.raw.includes(SECRET), 'the MAIL_URL password never shows');
  return r;
};

let b1: string;
let b2: string;
let pids: Record<number, number> = {};

useLab(test, 'app', 1, (l, s) => { lab = l; ssh = s[0]; });
test.before(() => {
  b1 = bundle('test-release-1');
  b2 = bundle('test-release-2');
});

test('first deploy: 3 instances on node 0.8.28, each answering with the release', async () => {
  const r = await apply('-e', `bundle=${b1}`, '--diff');
  assert.is(r.code, 0, r.raw);
  const changes = appTask(r).changes;
  assert.match(changes[0], /^deploy release [0-9a-f]{12} \(\d+(\.\d)? KiB\), its native npm packages rebuilt for \/usr\/local\/bin\/node$/);
  const id = changes[0].split(' ')[2];
  assert.equal(changes.slice(1), [`start pegleg-3000 on release ${id}`, `start pegleg-3001 on release ${id}`,
    `start pegleg-3002 on release ${id}`, `switch current to ${id}`]);
  for (const port of [3000, 3001, 3002]) {
    const i = await info(port);
    assert.equal([i.port, i.node, i.release, i.env], [port, 'v0.8.28', 'test-release-1', { MONGO_URL: true, ROOT_URL: true, MAIL_URL: true }]);
    assert.is(await status(port), '200');
    pids[port] = i.pid;
  }
  assert.is((await sh(ssh, 'readlink /srv/pegleg/current')).trim(), `releases/${id}`);
  assert.is((await sh(ssh, 'stat -c %U:%a /srv/pegleg/shared/env/3000.env')).trim(), 'deploy:600');
  assert.is((await sh(ssh, "ps -o user= -p $(pgrep -f 'bundle/main.js' | head -1)")).trim(), 'deploy');
  assert.is((await sh(ssh, 'systemctl is-enabled pegleg-3000.service')).trim(), 'enabled');
  assert.match(await sh(ssh, 'cat /etc/systemd/system/pegleg-3001.service'), `/srv/pegleg/releases/${id}/bundle/main.js`);
});

test('a second run changes nothing', async () => {
  const r = await apply('-e', `bundle=${b1}`);
  assert.is(r.code, 0, r.raw);
  assert.is(r.report.hosts['app-1'].changed, 0, r.raw);
});

test('a new bundle restarts every instance on it, one at a time', async () => {
  const r = await apply('-e', `bundle=${b2}`);
  assert.is(r.code, 0, r.raw);
  const changes = appTask(r).changes;
  assert.is(changes.length, 5, changes.join('\n'));
  assert.match(changes[1], /^restart pegleg-3000 on release [0-9a-f]{12} \(was [0-9a-f]{12}\)$/);
  for (const port of [3000, 3001, 3002]) {
    const i = await info(port);
    assert.is(i.release, 'test-release-2');
    assert.is.not(i.pid, pids[port], `port ${port} runs a new process`);
    pids[port] = i.pid;
  }
  // One at a time: an instance is stopped only after the one before it listens on the new release.
  const upAt = async (port: number) => Date.parse((await sh(ssh,
    `grep -E 'listening.*release test-release-2' /srv/pegleg/shared/log/${port}.log | tail -1 | cut -d' ' -f1`)).trim());
  const stoppedAt = async (port: number) => {
    const v = (await sh(ssh, `systemctl show pegleg-${port}.service -p InactiveEnterTimestamp --timestamp=us+utc --value`)).trim();
    const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(v);
    return m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  };
  for (const port of [3001, 3002]) {
    const prevUp = await upAt(port - 1);
    const stopped = await stoppedAt(port);
    assert.ok(stopped >= prevUp, `${port} stopped at ${stopped}, after ${port - 1} was up at ${prevUp}`);
  }
});

test('scale up 3 -> 5 starts two more and leaves the others alone', async () => {
  const r = await apply('-e', `bundle=${b2}`, '-e', 'instances=5');
  assert.is(r.code, 0, r.raw);
  assert.equal(appTask(r).changes.map((c) => c.replace(/ on release .*/, '')), ['start pegleg-3003', 'start pegleg-3004']);
  for (const port of [3000, 3001, 3002]) assert.is((await info(port)).pid, pids[port]);
  for (const port of [3003, 3004]) assert.is((await info(port)).release, 'test-release-2');
});

test('scale down 5 -> 2 stops the extras and removes their units', async () => {
  const r = await apply('-e', `bundle=${b2}`, '-e', 'instances=2');
  assert.is(r.code, 0, r.raw);
  assert.equal(appTask(r).changes, ['stop pegleg-3002', 'stop pegleg-3003', 'stop pegleg-3004']);
  for (const port of [3002, 3003, 3004]) assert.is(await status(port), '000');
  assert.is((await sh(ssh, 'ls /etc/systemd/system | grep -c ^pegleg- || true')).trim(), '2');
  for (const port of [3000, 3001]) assert.is((await info(port)).pid, pids[port]);
});

test('rollback serves the previous release', async () => {
  const r = await apply('-e', `bundle=${b2}`, '-e', 'instances=2', '-e', 'rollback=true');
  assert.is(r.code, 0, r.raw);
  assert.match(appTask(r).changes.at(-1)!, /^roll back: switch current to [0-9a-f]{12} \(was [0-9a-f]{12}\)$/);
  for (const port of [3000, 3001]) assert.is((await info(port)).release, 'test-release-1');
});

test('a bundle that cannot start fails at the first instance; the others keep the previous release', async () => {
  const r = await apply('-e', `bundle=${bundle('test-release-bad', true)}`, '-e', 'instances=2', '-e', 'health_timeout=5');
  assert.is(r.code, 1, r.raw);
  const t = appTask(r);
  assert.is(t.status, 'failed');
  assert.match(t.error!, /pegleg-3000 did not answer 200 on http:\/\/127\.0\.0\.1:3000\/ping within 5 s/);
  assert.is(await status(3000), '000');
  assert.is((await info(3001)).release, 'test-release-1');
  assert.match(await sh(ssh, 'readlink /srv/pegleg/current'), /releases\/[0-9a-f]{12}/);
});

test.run();
