// `provision load` on 2 lab droplets: 1 -> 3 instances, a table of 2 rows per host with no errors, the
// load spread over the instances (their logs), affinity kept under load, the playbook's own count put
// back; errors in red with exit 1; the live view on a terminal and Ctrl-C; the HTML report drawn by
// headless Chromium.
import { cpSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERIES } from '../../loadtest/html.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { provisionBackground, provisionOnTerminal } from '../helpers/background.ts';
import { pageCanvases, withBrowser } from '../helpers/browser.ts';
import { bundle } from '../helpers/bundle.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('load');
let lab: TestLab;
let ssh: SshConnection[] = [];
let app = '';
const tmp = mkdtempSync(join(tmpdir(), 'provision-load-'));
const report = join(tmp, 'load.html');
// The playbook's own count here is 2: the load runs 1 and 3, and 2 must be back at the end.
const vars = () => ['-e', '@playbooks/lab-vars.yml', '-e', `app_bundle=${app}`, '-e', 'instances=2'];
const requestsByPort = async (i: number) => Object.fromEntries(await Promise.all([3000, 3001, 3002].map(async (p) =>
  [p, Number((await sh(ssh[i], `grep -c ' GET / 200$' /srv/pegleg/shared/log/${p}.log || true`)).trim())])));

type Doc = { ok: boolean; restored: boolean; instances: number[]; hosts: Record<string, { url: string; knee: number | null; ncpu: number;
  rows: { instances: number; rps: number; p99_ms: number; errors: number; non2xx: number; requests: number; sessions: number; sessions_kept: number;
    sessions_moved: number; cpu_percent: number; mem_mb: number }[] }> };
let doc: Doc;
let before: Record<number, number>[] = [];

useLab(test, 'lo', 2, (l, s) => { lab = l; ssh = s; });
test.before(async () => {
  app = bundle('load-release');
  const r = await applyJson(['playbooks/droplet.yml', ...vars()], lab.inventory);
  if (r.code !== 0) throw new Error(`the droplet did not converge: ${r.raw}`);
  before = await Promise.all([0, 1].map(requestsByPort));
});

test('1 -> 3 instances: a row per count on every host, no errors, affinity kept, then the own count back', async () => {
  const r = await provision(['load', 'playbooks/droplet.yml', '-i', lab.inventory, ...vars(), '--url', '/', '--instances', '3,1',
    '--duration', '2s', '--connections', '12', '--json', '--report', report]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  doc = JSON.parse(r.stdout) as Doc;
  assert.is(doc.ok, true);
  assert.is(doc.restored, true);
  assert.equal(doc.instances, [1, 3], 'counts measured in order');
  assert.equal(Object.keys(doc.hosts).sort(), lab.hosts.map((h) => h.name).sort());
  for (const [name, h] of Object.entries(doc.hosts)) {
    assert.is(h.url, `http://${lab.hosts.find((x) => x.name === name)!.address}/`);
    assert.equal(h.rows.map((x) => x.instances), [1, 3]);
    assert.is(h.ncpu > 0, true);
    for (const row of h.rows) {
      assert.ok(row.rps > 0 && row.requests > 0, JSON.stringify(row));
      assert.is(row.errors, 0);
      assert.is(row.non2xx, 0);
      // Every connection is a session: it got HAProxy's cookie once and kept its instance for every later request.
      assert.is(row.sessions, 12);
      assert.is(row.sessions_moved, 0);
      assert.is(row.sessions_kept, row.requests - 12);
      assert.ok(row.cpu_percent > 0 && row.cpu_percent <= 100, `cpu ${row.cpu_percent}`);
      assert.ok(row.mem_mb > 10, `mem ${row.mem_mb} MB`);
    }
  }
  // Progress while it runs, on stderr beside the JSON.
  assert.match(r.stderr, /\[1\/2\] instances=1: apply playbooks\/droplet\.yml -e instances=1/);
  // Changing the count changes only HAProxy and the app (every line "applied: ...": the 2 counts, then the restore).
  assert.equal(r.stderr.match(/applied: .*$/gm), Array(3).fill('applied: changed HAProxy config, the app, reload haproxy'));
  assert.match(r.stderr, /\[2\/2\] instances=3: every instance answers \/ping and HAProxy has 3 UP/);
  assert.match(r.stderr, /restore: apply playbooks\/droplet\.yml with its own instance count/);
  assert.not.match(r.stdout + r.stderr, /lab-password-/, 'secrets never printed');
  // Back to the playbook's own 2 instances: HAProxy lists 2 servers, the third instance is stopped.
  for (const s of ssh) {
    assert.is((await sh(s, 'grep -c "^ *server app" /etc/haproxy/haproxy.cfg')).trim(), '2');
    assert.is((await s.exec('curl -fsS -m 2 http://127.0.0.1:3002/ping')).code === 0, false, 'instance 3 stopped again');
    assert.is((await sh(s, 'curl -fsS -m 2 http://127.0.0.1:3001/ping')).trim(), 'OK');
  }
});

test('the load was spread: the 3-instance run reached every instance (their logs)', async () => {
  for (const [i, h] of lab.hosts.entries()) {
    const after = await requestsByPort(i);
    const [one, three] = doc.hosts[h.name].rows;
    const got = [3000, 3001, 3002].map((p) => after[p] - before[i][p]);
    // Port 3000 served all of the 1-instance run and its share of the 3-instance run; 3001 and 3002 only theirs.
    // (Requests still in flight when a run stopped reach the app without being counted: at most one per connection.)
    const total = got[0] + got[1] + got[2];
    assert.ok(total >= one.requests + three.requests && total <= one.requests + three.requests + 2 * 12, `${h.name}: ${JSON.stringify(got)}`);
    for (const [k, n] of [got[0] - one.requests, got[1], got[2]].entries()) {
      assert.ok(n > three.requests * 0.15, `${h.name}: instance ${k} served ${n} of ${three.requests} requests`);
    }
  }
});

test('the HTML report renders in headless Chromium and its chart is drawn (both series on the canvas)', async () => {
  const shot = join(tmp, 'load.png');
  const page = await withBrowser((b) => pageCanvases(b, `file://${report}`, [SERIES.rps, SERIES.p99], shot));
  assert.equal(page.errors, []);
  assert.equal(page.requests, [], 'self-contained: nothing fetched');
  assert.is(page.canvases.length, 2, 'a chart per host');
  for (const c of page.canvases) {
    // The legend alone is about 550 pixels of each colour; the lines and points are more than that again.
    assert.ok(c.counts[SERIES.rps] > 1200 && c.counts[SERIES.p99] > 1200, JSON.stringify(c));
  }
  assert.ok(existsSync(shot) && statSync(shot).size > 20_000, 'a screenshot was taken');
});

test('a run that sees errors says so in red and in the exit code (404 through nginx)', async () => {
  const r = await provision(['load', 'playbooks/droplet.yml', '-i', lab.inventory, ...vars(), '--url', '/no-such-page', '--instances', '2',
    '--duration', '1s', '--connections', '4', '--limit', lab.hosts[0].name], { env: { FORCE_COLOR: '1', NO_COLOR: '' } }); // test/run.ts sets NO_COLOR
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\x1b\[31m\s+2\s+\d+ .*\d+ non-2xx answer\(s\)\x1b\[0m/);
  assert.match(r.stdout, new RegExp(`\\x1b\\[31merrors under load on ${lab.hosts[0].name}`));
  assert.not.match(r.stdout, new RegExp(lab.hosts[1].name), '--limit: one host');
});

/** Waits until the background run has printed `text`. */
async function printed(run: { output(): string }, text: string): Promise<void> {
  for (let k = 0; k < 600 && !run.output().includes(text); k++) await new Promise((r) => setTimeout(r, 50));
  if (!run.output().includes(text)) throw new Error(`never printed ${JSON.stringify(text)}: ${run.output()}`);
}

test('an instance dies under load: its sessions are moved to another instance, counted, red, exit 1', async () => {
  const run = provisionBackground(['load', 'playbooks/droplet.yml', '-i', lab.inventory, ...vars(), '--url', '/', '--instances', '2',
    '--duration', '8s', '--connections', '12', '--limit', lab.hosts[0].name]);
  await printed(run, 'connections to');
  const seen = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 1000));
  // The instance stops (and stays down until the restore starts it again): HAProxy redispatches its sessions
  // to the other instance and sets them a new cookie. (A kill would be restarted by forever at once, and
  // HAProxy's retries might then reach it again: no move, and a flaky test.) HAProxy retries a refused
  // connection a few times, a second apart, before it redispatches: the run goes on long enough for that.
  const stopped = await sh(ssh[0], 'systemctl stop pegleg-3001; date +%T.%N');
  const r = await run.done;
  assert.is(r.code, 1, r.stdout + r.stderr);
  const moved = /\s+2\s+\d+ .* (\d+) session\(s\) moved to another instance \(affinity broken\)/.exec(r.stdout);
  assert.ok(moved && Number(moved[1]) > 0, `load seen at ${seen}, stopped at ${stopped}: ${r.stdout}`);
  assert.match(r.stdout, /restore: applied: changed the app/, 'the restore started the instance again');
  assert.is((await sh(ssh[0], 'curl -fsS -m 2 http://127.0.0.1:3001/ping')).trim(), 'OK');
});

test('one host unreachable among reachable ones: stopped before any load, said which, the others\' connections closed (the process ends), exit 1', async () => {
  const inv = mkdtempSync(join(tmpdir(), 'provision-load-inv-'));
  cpSync(join(lab.inventory, 'hosts.yml'), join(inv, 'hosts.yml'));
  writeFileSync(join(inv, 'ghost.ini'), `ghost ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_private_key_file=${lab.key}\n`);
  // A connection left open would keep the process alive: it must end (within seconds; given 2 minutes).
  const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('provision load did not end: a connection left open')), 120_000).unref());
  const r = await Promise.race([provision(['load', 'playbooks/droplet.yml', '-i', inv, ...vars(), '--url', '/', '--instances', '1,3', '--duration', '2s']), hung]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /load stopped: ghost is unreachable: ghost: cannot connect to root@\[127\.0\.0\.1\]:1/);
  assert.not.match(r.stdout, /instances=1: apply/, 'no count was applied');
  for (const s of ssh) assert.is((await sh(s, 'grep -c "^ *server app" /etc/haproxy/haproxy.cfg')).trim(), '2', 'the droplets keep their count');
});

test('on a terminal: live steps (listr2) with the seconds and req/s; Ctrl-C stops, the own count comes back, exit 130', async () => {
  const run = provisionOnTerminal(['load', 'playbooks/droplet.yml', '-i', lab.inventory, ...vars(), '--url', '/', '--instances', '1,3',
    '--duration', '30s', '--connections', '4', '--limit', lab.hosts[1].name]);
  await printed({ output: run.screen }, '3/30 s: ');
  process.kill(await run.pid(), 'SIGINT');
  const code = await run.done;
  const screen = run.screen();
  assert.is(code, 130, screen);
  assert.match(screen, /\u001b\[/, 'terminal control sequences: the live view');
  assert.match(screen, /instances=1: .*: 4 connections to http:\/\/.* for 30 s/);
  assert.match(screen, /2\/30 s: \d+ req\/s/, 'the running load shows its seconds and req/s');
  assert.match(screen, /interrupted: stopping the load, then applying the playbook's own instance count again/);
  assert.match(screen, /load stopped: interrupted \(Ctrl-C\)/);
  assert.not.match(screen, /instances=3: apply/, 'the next count never ran');
  assert.is((await sh(ssh[1], 'grep -c "^ *server app" /etc/haproxy/haproxy.cfg')).trim(), '2', 'back to 2 instances');
  assert.is((await sh(ssh[1], 'curl -fsS -m 2 http://127.0.0.1:3001/ping')).trim(), 'OK');
});

test.run();
