// The whole droplet on 2 lab hosts, checked from this machine with real HTTP: nginx -> HAProxy -> app
// instances on Node 0.8.28, affinity, scaling, the firewall, a deploy with no failed request, rollback.
import { request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { httpGet, tcpProbe } from '../helpers/net.ts';

const test = suite('droplet');
let lab: TestLab;
let ssh: SshConnection[] = [];
let b1: string;
let b2: string;
const apply = (...extra: string[]) => applyJson(['playbooks/droplet.yml', '-e', '@playbooks/lab-vars.yml', ...extra], lab.inventory);
const url = (i: number, path = '/') => `http://${lab.hosts[i].address}${path}`;
type Info = { port: number; pid: number; node: string; release: string; fibers: { version: string; inFiber: boolean } };
const info = async (i: number, path = '/', cookie?: string) => {
  const r = await new Promise<{ body: string; setCookie?: string[] }>((resolve, reject) => {
    const req = request(url(i, path), { headers: cookie ? { cookie } : {}, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ body, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject);
    req.end();
  });
  return { ...(JSON.parse(r.body) as Info), setCookie: r.setCookie };
};
/** nginx and HAProxy reload gracefully: for a moment after the run, old workers may still answer. */
async function serving(i: number): Promise<void> {
  for (let k = 0; k < 100; k++) {
    try {
      await info(i);
      return;
    } catch { /* the old config still answers */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${lab.hosts[i].name}: / never answered as the app`);
}
const pidsOn = async (i: number, ports: number[]) =>
  Object.fromEntries(await Promise.all(ports.map(async (p) => [p, JSON.parse(await sh(ssh[i], `curl -sf http://127.0.0.1:${p}/`)).pid])));

useLab(test, 'dr', 2, (l, s) => { lab = l; ssh = s; });
test.before(() => {
  b1 = bundle('droplet-release-1');
  b2 = bundle('droplet-release-2');
});

test('the droplet converges: / through nginx and HAProxy reaches an instance on Node 0.8.28; static files from nginx; /ping 200', async () => {
  const r = await apply('-e', `app_bundle=${b1}`);
  assert.is(r.code, 0, r.raw);
  assert.not.ok(/lab-password-/.test(r.raw), 'secrets never printed');
  for (const h of Object.values(r.report.hosts)) {
    // Round trips, counted through the transport: every exec that is not a fact batch carries a changed
    // task (all its steps, and the facts read after them); fact batches: the first, and the old text of
    // the two configs the packages installed, read for their diffs.
    const changed = h.tasks.filter((t) => t.status === 'changed').length;
    const changes = h.tasks.reduce((n, t) => n + t.changes.length, 0);
    assert.ok(h.remote_execs - h.fact_execs <= changed, `${h.remote_execs} execs, ${h.fact_execs} of facts, for ${changed} changed tasks`);
    assert.ok(h.fact_execs <= 3, `${h.fact_execs} fact batches`);
    assert.ok(h.remote_execs <= changes + h.fact_execs);
  }
  for (const i of [0, 1]) {
    await serving(i);
    const app = await info(i);
    assert.is(app.node, 'v0.8.28');
    assert.is(app.release, 'droplet-release-1');
    assert.equal([app.fibers.version, app.fibers.inFiber], ['1.0.1', true], 'answered inside a fiber');
    // Meteor 0.6.5.2 in the app user's warehouse, run through the launcher on PATH (the layout: meteor.test.ts).
    assert.is((await sh(ssh[i], 'runuser -u deploy -- env HOME=/home/deploy meteor --version')).trim(), 'Release 0.6.5.2');
    assert.match(await sh(ssh[i], 'mrt --version 2>&1 || true'), /Meteorite version 0\.7\.8/);
    assert.ok([3000, 3001, 3002].includes(app.port));
    const s = await httpGet(url(i, '/hello.txt'));
    assert.is(s.status, 200);
    assert.is(s.headers['x-served-by'], 'nginx');
    assert.is((await httpGet(url(i, '/ping'))).status, 200);
    const logs = await sh(ssh[i], 'cat /srv/pegleg/shared/log/*.log');
    assert.match(logs, /GET \/ping/);
    assert.not.match(logs, /hello\.txt/, 'the static file never reached the app');
  }
});

test('affinity: with the HAProxy cookie 20 requests land on one instance; without it they spread over all 3', async () => {
  const first = await info(0);
  const cookie = first.setCookie!.map((c) => c.split(';')[0]).find((c) => c.startsWith('SERVERID='))!;
  assert.ok(cookie, 'HAProxy sets SERVERID');
  const pinned = new Set<number>();
  for (let k = 0; k < 20; k++) pinned.add((await info(0, '/', cookie)).port);
  assert.equal([...pinned], [first.port]);
  const spread = new Set<number>();
  for (let k = 0; k < 20; k++) spread.add((await info(0)).port);
  assert.equal([...spread].sort(), [3000, 3001, 3002]);
});

test('a second apply changes nothing, in one connection and one remote exec per host (all facts in one batch)', async () => {
  // Connections as each host's sshd saw them: one accepted login per host for the whole run.
  const logins = () => Promise.all(ssh.map(async (c) => Number((await sh(c, "journalctl -u ssh --no-pager -q | grep -c 'Accepted publickey' || true")).trim())));
  const before = await logins();
  const r = await apply('-e', `app_bundle=${b1}`);
  for (const h of Object.values(r.report.hosts)) {
    assert.is(h.changed, 0, r.raw);
    assert.is(h.remote_execs, 1, 'remote execs of a no-op run');
  }
  const after = await logins();
  assert.equal(after.map((a, i) => a - before[i]), [1, 1], 'SSH logins per host during the run');
});

test('a new bundle deploys while /ping is polled through nginx: no request fails', async () => {
  let ok = 0;
  const failures: string[] = [];
  let polling = true;
  const poll = async (i: number) => {
    while (polling) {
      try {
        const r = await httpGet(url(i, '/ping'), 3000);
        if (r.status === 200) ok++;
        else failures.push(`${lab.hosts[i].name}: ${r.status}`);
      } catch (err) {
        failures.push(`${lab.hosts[i].name}: ${(err as Error).message}`);
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  const pollers = [poll(0), poll(1)];
  const r = await apply('-e', `app_bundle=${b2}`);
  polling = false;
  await Promise.all(pollers);
  assert.is(r.code, 0, r.raw);
  assert.equal(failures, []);
  assert.ok(ok > 50, `only ${ok} polls`);
  for (const i of [0, 1]) assert.is((await info(i)).release, 'droplet-release-2');
});

test('rollback serves the previous release', async () => {
  const r = await apply('-e', `app_bundle=${b2}`, '-e', 'rollback=true');
  assert.is(r.code, 0, r.raw);
  for (const i of [0, 1]) for (let k = 0; k < 3; k++) assert.is((await info(i)).release, 'droplet-release-1');
});

test('-e instances=5: HAProxy lists 5 servers, 5 instances answer, the other 3 keep their PIDs', async () => {
  const h0 = lab.hosts[0].name;
  const back = await apply('-e', `app_bundle=${b2}`, '-l', h0);
  assert.is(back.code, 0, back.raw);
  const before = await pidsOn(0, [3000, 3001, 3002]);
  const r = await apply('-e', `app_bundle=${b2}`, '-e', 'instances=5', '-l', h0);
  assert.is(r.code, 0, r.raw);
  const now = await pidsOn(0, [3000, 3001, 3002, 3003, 3004]);
  for (const p of [3000, 3001, 3002]) assert.is(now[p], before[p], `instance ${p} restarted`);
  assert.is((await sh(ssh[0], 'grep -c "^    server app" /etc/haproxy/haproxy.cfg')).trim(), '5');
  await serving(0);
  const seen = new Set<number>();
  for (let k = 0; k < 60 && seen.size < 5; k++) seen.add((await info(0)).port);
  assert.equal([...seen].sort(), [3000, 3001, 3002, 3003, 3004]);
});

test('-e instances=2: the extra instances are gone', async () => {
  const r = await apply('-e', `app_bundle=${b2}`, '-e', 'instances=2', '-l', lab.hosts[0].name);
  assert.is(r.code, 0, r.raw);
  for (const p of [3002, 3003, 3004]) assert.is((await ssh[0].exec(`curl -s -o /dev/null http://127.0.0.1:${p}/`)).code, 7, `port ${p}`);
  assert.is((await sh(ssh[0], 'ls /etc/systemd/system | grep -c "^pegleg-" || true')).trim(), '2');
  assert.is((await sh(ssh[0], 'grep -c "^    server app" /etc/haproxy/haproxy.cfg')).trim(), '2');
});

test('the firewall: 22 and 80 reachable from this machine; the app, HAProxy and its stats port are not', async () => {
  for (const h of lab.hosts) {
    assert.is(await tcpProbe(h.address, 22), 'open');
    assert.is(await tcpProbe(h.address, 80), 'open');
    for (const port of [3000, 8000, 8404]) assert.is(await tcpProbe(h.address, port, 1500), 'timeout', `${h.name}:${port}`);
  }
});

test.run();
