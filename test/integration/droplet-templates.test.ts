// The droplet's nginx and HAProxy templates on a real lab host (test/fixtures/playbooks/proxies.yml):
// nginx serves static files and proxies the rest through HAProxy to 3 backends; HAProxy is loopback
// only; changing `instances` regenerates the server lines and reloads (not restarts) HAProxy; a config
// that fails validation leaves the previous one in place and the service running.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson as applyReport, type Report } from '../helpers/apply.ts';
import { type LabHost, type TestLab, sh, useLab } from '../helpers/lab.ts';
import { httpGet, tcpProbe } from '../helpers/net.ts';

const test = suite('droplet templates');
const PB = 'test/fixtures/playbooks/proxies.yml';
const HELLO = readFileSync(new URL('../fixtures/app/bundle/programs/client/app/hello.txt', import.meta.url), 'utf8');
let lab: TestLab;
let host: LabHost;
let ssh: SshConnection;

const apply = (...args: string[]) => applyReport([PB, ...args], lab.inventory);
const tasks = (r: Report) => Object.fromEntries(r.hosts[host.name].tasks.map((t) => [t.task, t]));
const url = (path: string) => `http://${host.address}${path}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mainPid = async (unit: string) => (await sh(ssh, `systemctl show -p MainPID --value ${unit}`)).trim();

/** Polls `probe` until it gives a value that is not undefined (about 15 s at most). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`${what}: not in time${last ? ` (${(last as Error).message})` : ''}`);
}

/** The HAProxy servers of backend app and their status, from the stats page's CSV (read on the host). */
async function servers(): Promise<Record<string, string>> {
  const csv = await sh(ssh, "curl -sf 'http://127.0.0.1:8404/;csv'");
  return Object.fromEntries(csv.split('\n').map((l) => l.split(',')).filter((f) => f[0] === 'app' && /^app\d+$/.test(f[1])).map((f) => [f[1], f[17]]));
}

useLab(test, 'tpl', 1, (l, s) => { lab = l; host = l.hosts[0]; ssh = s[0]; });

test('a fresh host: nginx and haproxy installed and configured, handlers reload them; a second run changes nothing', async () => {
  const run = await apply();
  assert.is(run.code, 0, run.raw);
  const t = tasks(run.report);
  for (const name of ['nginx and haproxy installed', 'static file', 'backend instances', 'haproxy config', 'nginx config', 'haproxy reloaded', 'nginx reloaded']) {
    assert.is(t[name]?.status, 'changed', `${name}: ${JSON.stringify(t[name])}`);
  }
  assert.equal(t['haproxy reloaded'].changes, ['reload haproxy']);
  assert.equal(t['nginx reloaded'].changes, ['reload nginx']);
  // A reload the handlers started may still be in progress ("reloading") when the run returns.
  assert.is((await sh(ssh, 'for i in $(seq 50); do s=$(systemctl is-active nginx haproxy); case "$s" in *reloading*) sleep 0.1;; *) break;; esac; done; echo "$s"')).trim(), 'active\nactive');
  assert.is((await sh(ssh, "grep -c '^ *server app' /etc/haproxy/haproxy.cfg")).trim(), '3');

  const again = await apply();
  assert.is(again.code, 0, again.raw);
  assert.is(again.report.hosts[host.name].changed, 0, JSON.stringify(again.report.hosts[host.name].tasks.filter((x) => x.status !== 'ok')));
});

test('GET / goes through nginx and HAProxy to a backend, round robin, with a SERVERID affinity cookie', async () => {
  const up = await eventually('3 servers UP', async () => {
    const s = await servers();
    return Object.values(s).length === 3 && Object.values(s).every((v) => v === 'UP') ? s : undefined;
  });
  assert.equal(Object.keys(up).sort(), ['app0', 'app1', 'app2']);
  const cookies: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await httpGet(url('/'));
    assert.is(r.status, 200);
    assert.match(r.body, /Directory listing for \//, 'the backend (python3 http.server) answered');
    assert.is(r.headers['x-served-by'], undefined, 'nginx did not serve / itself');
    const set = String(r.headers['set-cookie'] ?? '');
    assert.match(set, /^SERVERID=app[0-2]; path=\//);
    cookies.push(set.split(';')[0]);
  }
  assert.is(new Set(cookies).size, 3, `round robin over 3 servers: ${cookies}`);
  // A client that has the cookie keeps its server: HAProxy sets no new one (`insert indirect`).
  const sticky = await new Promise<Record<string, unknown>>((resolve, reject) => {
    request(url('/'), { headers: { Cookie: 'SERVERID=app1' }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, cookie: res.headers['set-cookie'] }));
    }).on('error', reject).end();
  });
  assert.equal(sticky, { status: 200, cookie: undefined });
  assert.is((await httpGet(url('/ping'))).status, 200);
});

test('a static file is served by nginx itself (X-Served-By: nginx) and never reaches a backend', async () => {
  const r = await httpGet(url('/hello.txt'));
  assert.is(r.status, 200);
  assert.is(r.headers['x-served-by'], 'nginx');
  assert.is(r.body, HELLO);
  // A missing file falls through to the app; the backends' logs show it, and not hello.txt.
  const miss = await httpGet(url('/no-such-file.txt'));
  assert.is(miss.status, 404);
  assert.is(miss.headers['x-served-by'], undefined);
  const logs = await eventually('the backend logged the miss', async () => {
    const l = await sh(ssh, "journalctl -q --no-pager -u 'app30*' -o cat");
    return l.includes('GET /no-such-file.txt') ? l : undefined;
  });
  assert.not.ok(logs.includes('hello.txt'), 'a backend saw /hello.txt');
});

test('HAProxy (frontend, stats page) and the backends listen on the host loopback only', async () => {
  for (const port of [8404, 8000, 3000]) {
    const probe = await tcpProbe(host.address, port);
    assert.ok(probe === 'refused' || probe === 'timeout', `port ${port} on ${host.address} is ${probe}`);
  }
  assert.is((await tcpProbe(host.address, 80)), 'open');
  // On the host itself the stats page answers and lists the servers.
  assert.match(await sh(ssh, 'curl -sf http://127.0.0.1:8404/'), /app2/);
});

test('instances=5: five server lines, the haproxy config task changed, haproxy reloaded not restarted; a second run changes nothing', async () => {
  const [haproxyPid, nginxPid] = [await mainPid('haproxy'), await mainPid('nginx')];
  const run = await apply('-e', 'instances=5');
  assert.is(run.code, 0, run.raw);
  const t = tasks(run.report);
  assert.is(t['haproxy config'].status, 'changed');
  assert.equal(t['haproxy config'].changes, ['update /etc/haproxy/haproxy.cfg']);
  assert.is(t['nginx config'].status, 'ok');
  assert.equal(t['haproxy reloaded'].changes, ['reload haproxy']);
  assert.is(t['nginx reloaded'], undefined, 'nginx was not notified');
  const lines = (await sh(ssh, "grep '^ *server ' /etc/haproxy/haproxy.cfg")).trim().split('\n').map((l) => l.trim());
  assert.equal(lines, [0, 1, 2, 3, 4].map((i) => `server app${i} 127.0.0.1:${3000 + i} check cookie app${i}`));
  assert.is(await mainPid('haproxy'), haproxyPid, 'haproxy was restarted, not reloaded');
  assert.is(await mainPid('nginx'), nginxPid);
  await eventually('5 servers UP', async () => {
    const s = await servers();
    return Object.keys(s).length === 5 && Object.values(s).every((v) => v === 'UP') ? s : undefined;
  });

  const again = await apply('-e', 'instances=5');
  assert.is(again.code, 0, again.raw);
  assert.is(again.report.hosts[host.name].changed, 0, JSON.stringify(again.report.hosts[host.name].tasks.filter((x) => x.status !== 'ok')));
});

test('a config that fails validation fails its task, leaves the previous file, and the service keeps running', async () => {
  for (const [bad, task, file, unit, check] of [
    ['haproxy_port=notaport', 'haproxy config', '/etc/haproxy/haproxy.cfg', 'haproxy', 'haproxy -c -f %s'],
    ['http_port=notaport', 'nginx config', '/etc/nginx/nginx.conf', 'nginx', 'nginx -t -c %s'],
  ]) {
    const before = await sh(ssh, `sha256sum ${file}`);
    const pid = await mainPid(unit);
    const run = await apply('-e', 'instances=5', '-e', bad);
    assert.is(run.code, 1, run.raw);
    const t = tasks(run.report)[task];
    assert.is(t.status, 'failed');
    assert.ok(t.error!.includes(`validation failed: ${check}`), t.error);
    assert.match(t.error!, /notaport/);
    assert.is(await sh(ssh, `sha256sum ${file}`), before, `${file} was changed`);
    assert.is((await sh(ssh, `ls -a ${file.replace(/[^/]+$/, '')}`)).includes('.provision-'), false, 'a temp file was left');
    assert.is((await sh(ssh, `for i in $(seq 50); do s=$(systemctl is-active ${unit}); [ "$s" = reloading ] || break; sleep 0.1; done; echo "$s"`)).trim(), 'active');
    assert.is(await mainPid(unit), pid);
  }
  const r = await httpGet(url('/'));
  assert.is(r.status, 200, 'still serving through nginx and haproxy');
});

test.run();
