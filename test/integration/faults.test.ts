// Faults on real lab hosts, with nothing lost: sshd killed mid-run, the network cut during an upload,
// a full disk, SIGINT during apply. (A failing validation: droplet-templates.test; a handler notified
// before a later failure: apply-options.test.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadState } from '../../lab/state.ts';
import { NAMES, hostNs, hostVeth } from '../../lab/paths.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { provisionBackground, provisionOnTerminal } from '../helpers/background.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { tcpProbe } from '../helpers/net.ts';

const test = suite('faults');
let lab: TestLab;
let ssh: SshConnection[] = [];
const dir = mkdtempSync(join(tmpdir(), 'provision-faults-'));
const BIG = 12 << 20;
const big = join(dir, 'big.bin');
writeFileSync(big, Buffer.alloc(BIG, 7));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

useLab(test, 'ft', 3, (l, s) => { lab = l; ssh = s; });

const playbook = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** Three tasks: a marker, a slow command or a 12 MB upload, a second marker. */
const threeTasks = (middle: string) => playbook(`three-${middle.length}.yml`, `- hosts: all\n  tasks:\n` +
  `    - name: first marker\n      copy: { content: "1\\n", dest: /root/ft-first }\n` +
  `    - name: middle\n${middle}\n` +
  `    - name: last marker\n      copy: { content: "3\\n", dest: /root/ft-last }\n`);
const slowMiddle = threeTasks('      command: { argv: [sleep, "4"] }');
const uploadMiddle = threeTasks(`      copy: { src: ${big}, dest: /root/ft-big.bin }`);
const index = (i: number) => loadState().hosts[lab.hosts[i].name].index;
/** Slows the link into host i to `rate` (tc tbf on its hub-side veth), so an upload takes a while. */
const shape = (i: number, rate?: string) => execFileSync('tc', ['-n', NAMES.hubNs, 'qdisc', rate ? 'replace' : 'del', 'dev', hostVeth(index(i)), 'root',
  ...(rate ? ['tbf', 'rate', rate, 'burst', '32kbit', 'latency', '2s'] : [])]);
const reconnect = async (i: number) => { ssh[i] = await lab.connect(lab.hosts[i]); };
async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await ok()) return;
  throw new Error(`timed out waiting for ${what}`);
}
/** A step's payload lands in a temp file under /tmp first (engine/step-batch.ts): the upload has begun once one grows. */
const payloads = (i: number) => sh(ssh[i], 'find /tmp -maxdepth 1 -name "tmp.*" -size +64k');
const uploading = (i: number) => until('the upload to start', async () => (await payloads(i)).trim() !== '');
const files = async (i: number) => (await sh(ssh[i], 'ls /root | grep "^ft-" || true')).trim().split('\n').filter(Boolean);
const clean = () => Promise.all(ssh.map((c) => sh(c, 'rm -f /root/ft-*')));

test('sshd killed on one host mid-run: that host is unreachable, the others finish, a rerun converges', async () => {
  const run = provisionBackground(['apply', slowMiddle, '-i', lab.inventory]);
  await until('the first marker on every host', async () => (await Promise.all(ssh.map((_c, i) => files(i)))).every((f) => f.includes('ft-first')));
  await ssh[0].exec('kill -9 $(pgrep -x sshd)').catch(() => undefined); // ends this connection too
  const r = await run.done;
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`unreachable ft-1: the connection was lost during the run`));
  assert.match(r.stdout, /ft-1 +ok=\d+ +changed=1 .*unreachable=1|ft-1.*unreachable/);
  await until('sshd back on ft-1', async () => (await tcpProbe(lab.hosts[0].address, 22)) === 'open', 30_000);
  await reconnect(0);
  assert.equal(await files(0), ['ft-first']);
  for (const i of [1, 2]) assert.equal(await files(i), ['ft-first', 'ft-last']);
  const again = await provision(['apply', slowMiddle, '-i', lab.inventory]);
  assert.is(again.code, 0, again.stdout);
  assert.equal(await files(0), ['ft-first', 'ft-last']);
  await clean();
});

test('the network of one host cut during an upload: unreachable within the keepalive, no partial file at the destination', async () => {
  shape(1, '4mbit');
  const cut = () => execFileSync('ip', ['-n', hostNs(index(1)), 'link', 'set', 'eth0', 'down']);
  try {
    const run = provisionBackground(['apply', uploadMiddle, '-i', lab.inventory, '-l', 'ft-2']);
    await uploading(1);
    cut();
    const t0 = Date.now();
    const r = await run.done;
    assert.is(r.code, 1, r.stdout);
    assert.match(r.stdout, 'unreachable ft-2: the connection was lost during the run');
    assert.ok(Date.now() - t0 < 40_000, `gave up after ${Date.now() - t0} ms`);
  } finally {
    execFileSync('ip', ['-n', hostNs(index(1)), 'link', 'set', 'eth0', 'up']);
    shape(1);
  }
  await until('ft-2 reachable again', async () => (await tcpProbe(lab.hosts[1].address, 22)) === 'open');
  await reconnect(1);
  // The host's end of the dead session ends once the link is back; the upload must not be renamed into place.
  await until('the cut upload to be cleaned up', async () => (await payloads(1)).trim() === '', 60_000);
  assert.equal(await files(1), ['ft-first']);
  await clean();
});

test('a full disk: a clear error, the old file intact, no temp file left', async () => {
  await sh(ssh[2], 'mkdir -p /srv/full && mount -t tmpfs -o size=1m tmpfs /srv/full && echo old > /srv/full/app.conf && (dd if=/dev/zero of=/srv/full/fill bs=64k 2>/dev/null || true)');
  try {
    const pb = playbook('full.yml', `- hosts: ft-3\n  tasks:\n    - name: app config\n      copy: { content: "${'x'.repeat(200_000)}\\n", dest: /srv/full/app.conf }\n`);
    const r = await provision(['apply', pb, '-i', lab.inventory]);
    assert.is(r.code, 1);
    assert.match(r.stdout, /failed +ft-3: app config .*\n(.*\n)*.*No space left on device/);
    assert.is((await sh(ssh[2], 'cat /srv/full/app.conf')).trim(), 'old');
    assert.is((await sh(ssh[2], 'ls /srv/full')).trim().split('\n').sort().join(' '), 'app.conf fill');
  } finally {
    await sh(ssh[2], 'umount /srv/full');
  }
});

test('SIGINT during an upload: exit 130, what ran and what did not, no partial file, and the next run converges', async () => {
  shape(0, '4mbit');
  try {
    const run = provisionBackground(['apply', uploadMiddle, '-i', lab.inventory, '-l', 'ft-1']);
    await uploading(0);
    process.kill(run.pid, 'SIGINT');
    const r = await run.done;
    assert.is(r.code, 130, r.stdout + r.stderr);
    assert.match(r.stdout, /^interrupted: stopping every host/m);
    assert.match(r.stdout, 'interrupted ft-1: ran "first marker"; did not run "middle", "last marker"');
    // The step cut short says so, not what the transport saw (the command, "the host closed the session").
    assert.match(r.stdout, /^failed {6}ft-1: middle \(.*\)\n(?: +- .*\n)* +! interrupted \(Ctrl-C\): cut short here; nothing is left half-written, a rerun converges$/m);
    assert.not.match(r.stdout, /the host closed the session|@@provision-step/);
  } finally {
    shape(0);
  }
  await until('the cut upload to be cleaned up', async () => (await payloads(0)).trim() === '');
  assert.equal(await files(0), ['ft-first']);
  const again = await provision(['apply', uploadMiddle, '-i', lab.inventory, '-l', 'ft-1']);
  assert.is(again.code, 0, again.stdout);
  assert.is((await sh(ssh[0], 'stat -c %s /root/ft-big.bin')).trim(), String(BIG));
});

test('SIGINT on a terminal (the listr2 live view): the same clean stop, exit 130 and the report, not listr2\'s exit 127', async () => {
  await clean();
  const run = provisionOnTerminal(['apply', slowMiddle, '-i', lab.inventory, '-l', 'ft-2']);
  // This run's first marker first: a sleep an earlier test's run left on the host must not count as this one's.
  await until('the slow task to start', async () => (await files(1)).includes('ft-first') && (await sh(ssh[1], 'pgrep -x sleep || true')).trim() !== '');
  process.kill(await run.pid(), 'SIGINT');
  const code = await run.done;
  assert.is(code, 130, run.screen());
  assert.match(run.screen(), /interrupted: stopping every host/);
  assert.match(run.screen(), /interrupted ft-2: ran "first marker"; did not run "middle", "last marker"/, run.screen());
  assert.equal(await files(1), ['ft-first']);
});

test.run();
