// The lab on real hosts: 3 droplets, checked over ssh2 and from this machine, then taken down.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NAMES, hostNs, hostVeth, paths } from '../../lab/paths.ts';
import { cmdline } from '../../lab/proc.ts';
import { loadState } from '../../lab/state.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, startLab } from '../helpers/lab.ts';
import { httpGet, probeUntil, tcpProbe } from '../helpers/net.ts';

// A lab of its own (its own tag, state and subnet), so that nothing else runs in it while the test
// checks that taking down its last host removes everything, shared parts included.
process.env.PROVISION_LAB_TAG = 'labtest';
process.env.PROVISION_LAB_DIR = '/var/lib/provision/lab-labtest';
const SUBNET = '10.234';

const test = suite('lab');
let lab: TestLab;
const ssh: SshConnection[] = [];

test.before(async () => {
  lab = await startLab('labt', 3, ['--subnet', `${SUBNET}.0.0/16`]);
  console.log(`lab up --count 3: ${lab.upSeconds.toFixed(1)} s`);
  for (const h of lab.hosts) ssh.push(await lab.connect(h));
});

test.after(async () => {
  for (const c of ssh) c.close();
  await provision(['lab', 'down', '--prefix', 'labt']);
  await provision(['lab', 'down', '--prefix', 'labr']);
});

test('the inventory lists 3 hosts and known_hosts pins each real host key', () => {
  assert.equal(lab.hosts.map((h) => h.name), ['labt-1', 'labt-2', 'labt-3']);
  const known = readFileSync(lab.knownHosts, 'utf8').trim().split('\n');
  assert.is(known.length, 3);
  for (const h of lab.hosts) assert.ok(known.some((l) => l.startsWith(`${h.address} ssh-ed25519 `)), h.name);
});

test('each host has its own hostname and machine-id, and systemd is running', async () => {
  const ids = new Set<string>();
  for (const [i, c] of ssh.entries()) {
    assert.is((await sh(c, 'hostname')).trim(), lab.hosts[i].name);
    const id = (await sh(c, 'cat /etc/machine-id')).trim();
    assert.match(id, /^[0-9a-f]{32}$/);
    ids.add(id);
    assert.is((await c.exec('systemctl is-system-running --wait')).stdout.trim(), 'running');
    assert.is((await sh(c, 'ps -p 1 -o comm=')).trim(), 'systemd');
  }
  assert.is(ids.size, 3);
});

test('150 short sessions all report their exit status (a fast exit must not race the channel confirmation)', async () => {
  const codes = await Promise.all(lab.hosts.map(async (h) => {
    const got: number[] = [];
    for (let i = 0; i < 50; i++) {
      const c = await lab.connect(h);
      try {
        got.push((await c.exec(`exit ${i % 3}`)).code);
      } finally {
        c.close();
      }
    }
    return got;
  }));
  for (const got of codes) assert.equal(got, Array.from({ length: 50 }, (_, i) => i % 3));
});

test('stdin over ssh2: 24 MB in three parts reach three hosts at once whole; a command that stops reading ends its exec', async () => {
  const parts = [randomBytes(8 << 20), randomBytes(8 << 20), randomBytes(8 << 20)];
  const sum = createHash('sha256');
  for (const p of parts) sum.update(p);
  const want = sum.digest('hex');
  const got = await Promise.all(ssh.map((c) => c.exec('sha256sum', { stdin: parts })));
  for (const r of got) assert.is(r.stdout.split(' ')[0], want);
  // The upload waits on the socket and the channel: a closed channel must end that wait, not hang it.
  const early = await ssh[0].exec('head -c 1000 >/dev/null; exit 3', { stdin: parts });
  assert.is(early.code, 3);
  assert.is((await ssh[0].exec('echo still usable')).stdout, 'still usable\n');
});

test('stdin that fails part way fails its exec (not a result of cut-short input), and the connection goes on', async () => {
  const broken = { length: 200_000, subarray() { throw new Error('the source broke'); } } as unknown as Buffer;
  let err: Error | undefined;
  await ssh[0].exec('cat > /root/cut-short', { stdin: [Buffer.from('head\n'), broken] }).catch((e: Error) => { err = e; });
  assert.match(String(err), /writing its input failed: the source broke/);
  assert.is((await ssh[0].exec('echo still usable')).stdout, 'still usable\n');
});

test('a file written on one host is absent on the others and on this machine', async () => {
  const path = `/root/only-on-1-${process.pid}`;
  await sh(ssh[0], `echo hello > ${path}`);
  assert.is((await sh(ssh[0], `cat ${path}`)).trim(), 'hello');
  for (const c of ssh.slice(1)) {
    const r = await c.exec(`test -e ${path}`);
    assert.is(r.code, 1, JSON.stringify(r));
  }
  assert.not.ok(existsSync(path));
});

test('hosts have no route out of the lab: apt goes through the lab proxy only', async () => {
  for (const c of ssh) {
    assert.is((await sh(c, 'ip -4 route show default')).trim(), '');
    assert.match(await sh(c, 'apt-config dump Acquire::http::Proxy'), new RegExp(`"http://${SUBNET.replace('.', '\\.')}\\.0\\.254:3142"`));
  }
});

test('apt-get install nginx works through the proxy and nginx answers on the host address', async () => {
  await sh(ssh[0], 'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx');
  const r = await httpGet(`http://${lab.hosts[0].address}/`);
  assert.is(r.status, 200);
  assert.match(String(r.headers.server), /^nginx/);
});

test('ufw on one host with only 22 allowed drops port 80 there and nowhere else', async () => {
  const [h1, h2, h3] = lab.hosts;
  for (const c of [ssh[1], ssh[2]]) await sh(c, 'systemd-run --unit=web80 python3 -m http.server 80');
  assert.is(await probeUntil(h2.address, 80, 'open'), 'open');
  assert.is(await probeUntil(h3.address, 80, 'open'), 'open');
  await sh(ssh[1], 'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw');
  await sh(ssh[1], 'ufw allow 22/tcp && ufw --force enable');
  assert.is(await tcpProbe(h2.address, 80), 'timeout');
  assert.is(await tcpProbe(h2.address, 22), 'open');
  assert.is(await tcpProbe(h3.address, 80), 'open');
  assert.is(await tcpProbe(h1.address, 80), 'open');
  assert.is(await tcpProbe(h3.address, 81), 'refused');
});

test('a host key that changed is refused', async () => {
  await sh(ssh[2], 'rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key && systemctl restart ssh');
  try {
    const c = await lab.connect(lab.hosts[2]);
    c.close();
    assert.unreachable('connected to a host whose key changed');
  } catch (err) {
    assert.match((err as Error).message, /labt-3: the host key of 10\.234\.1\.\d+ has CHANGED: it presents ssh-ed25519 SHA256:/);
  }
});

test('lab list shows the hosts running; a second lab up with the same prefix is refused', async () => {
  const list = await provision(['lab', 'list']);
  for (const h of lab.hosts) assert.match(list.stdout, new RegExp(`${h.name}\\s+${h.address.replaceAll('.', '\\.')}\\s+running`));
  const again = await provision(['lab', 'up', '--prefix', 'labt']);
  assert.is(again.code, 1);
  assert.match(again.stderr, /^provision: prefix "labt" is in use by labt-1, labt-2, labt-3: run `provision lab down --prefix labt`/);
});

test('lab ssh runs a command on a host, pinned to its known_hosts', async () => {
  const r = await provision(['lab', 'ssh', 'labt-1', 'hostname']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'labt-1');
  assert.is((await provision(['lab', 'ssh', 'labt-1', 'exit 3'])).code, 3);
});

test('lab ssh without a command is a root login shell on the host', async () => {
  const r = await provision(['lab', 'ssh', 'labt-2'], { input: 'echo "$(id -un)@$(hostname) in $PWD"\nexit 0\n' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^root@labt-2 in \/root$/m);
});

test('racing lab commands are serialized: concurrent ups and downs all succeed, state stays whole', async () => {
  const ups = await Promise.all(['race1', 'race2'].map((p) => provision(['lab', 'up', '-q', '--prefix', p, '-i', lab.inventory])));
  for (const u of ups) assert.is(u.code, 0, u.stderr);
  const st = loadState();
  assert.ok(st.hosts['race1-1'] && st.hosts['race2-1']);
  const indexes = Object.values(st.hosts).map((h) => h.index);
  assert.is(new Set(indexes).size, indexes.length, 'two hosts got one address');
  const downs = await Promise.all(['race1', 'race2'].map((p) => provision(['lab', 'down', '--prefix', p])));
  for (const d of downs) assert.is(d.code, 0, d.stderr);
  const after = loadState();
  assert.not.ok(after.hosts['race1-1'] || after.hosts['race2-1']);
  assert.ok(after.hosts['labt-1'], 'the other hosts were left alone');
});

function cgroupPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? cgroupPids(join(dir, e.name))
    : e.name === 'cgroup.procs' ? readFileSync(join(dir, e.name), 'utf8').split('\n').filter(Boolean).map(Number) : []);
}
/** When a process started (clock ticks since boot), or undefined once it is gone: a PID with another start is another process. */
const startOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  } catch {
    return undefined;
  }
};
/** PIDs as processes: this machine's pid_max is 32768, so a PID freed early in a CI run is soon another process's. */
const identify = (pids: number[]) => pids.map((pid) => ({ pid, start: startOf(pid) }));
const gone = ({ pid, start }: { pid: number; start?: string }) => cmdline(pid) === undefined || startOf(pid) !== start;
const hubLinks = () => existsSync(`/run/netns/${NAMES.hubNs}`)
  ? execFileSync('ip', ['-n', NAMES.hubNs, '-o', 'link']).toString() : '';
function mountsMentioning(text: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try { return readFileSync(`/proc/${p}/mountinfo`, 'utf8').split('\n').filter((l) => l.includes(text)); } catch { return []; }
  });
}

test('a lab up after a crash first cleans up the dead host', async () => {
  const dead = loadState().hosts['labt-3'];
  const pids = identify(cgroupPids(join(NAMES.cgroupTrees[1], NAMES.tag, 'labt-3')));
  assert.ok(pids.length > 3, 'the container runs processes');
  process.kill(dead.pid!, 'SIGKILL'); // nspawn dies; its container keeps running: a crashed lab
  const r = await provision(['lab', 'up', '--count', '1', '--prefix', 'labr', '-i', lab.inventory]);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(loadState().hosts['labt-3']);
  assert.ok(loadState().hosts['labr-1']);
  for (const p of pids) assert.ok(gone(p), `pid ${p.pid} of the dead host still runs`);
  assert.not.ok(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8').includes('labt-3'));
});

let stray: ChildProcess;
let strayId: { pid: number; start?: string } | undefined;
test('after lab down: no namespace, mount, veth, bridge, cgroup, file or process of the lab remains', async () => {
  const before = loadState();
  const daemons = identify([before.proxy.acngPid, before.proxy.relayPid, before.proxy.hubRelayPid, before.proxy.mirrorPid].map((p) => p ?? 0));
  const mine = Object.values(before.hosts).filter((h) => h.prefix === 'labt' || h.prefix === 'labr');
  const others = Object.values(before.hosts).length - mine.length;
  const pids = identify(mine.flatMap((h) => [h.pid!, ...cgroupPids(join(NAMES.cgroupTrees[1], NAMES.tag, h.name))]));
  assert.ok(pids.length > mine.length);
  // A unit whose ExecStop reports to this machine: it only runs if the host halts cleanly.
  const said: string[] = [];
  const server = createServer((s) => s.on('data', (d) => said.push(d.toString())));
  await new Promise<void>((resolve) => server.listen(0, `${SUBNET}.0.1`, resolve));
  const port = (server.address() as AddressInfo).port;
  const goodbye = `#!/usr/bin/python3\nimport socket\nsocket.create_connection(('${SUBNET}.0.1', ${port})).sendall(open('/etc/hostname').read().strip().encode())\n`;
  try {
    await ssh[0].exec('cat > /usr/local/bin/goodbye && chmod 755 /usr/local/bin/goodbye', { stdin: goodbye });
    await sh(ssh[0], 'systemd-run --unit=goodbye --property=Type=oneshot --property=RemainAfterExit=yes ' +
      '--property=ExecStop=/usr/local/bin/goodbye /bin/true');
    for (const c of ssh) c.close();
    // A daemon of this lab that the state does not name (a lab command that died half-way).
    stray = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', join(paths.proxy(), 'stray-daemon')], { stdio: 'ignore' });
    strayId = identify([stray.pid!])[0];
    for (const prefix of ['labt', 'labr']) {
      const d = await provision(['lab', 'down', '--prefix', prefix]);
      assert.is(d.code, 0, d.stderr);
    }
  } finally {
    server.close();
  }
  assert.equal(said, ['labt-1'], 'labt-1 did not run its stop jobs: not a clean halt');
  for (const p of pids) assert.ok(gone(p), `pid ${p.pid} still runs`);
  assert.ok(strayId && gone(strayId), 'a daemon of the lab that the state did not name still runs');
  for (const h of mine) {
    assert.not.ok(existsSync(`/run/netns/${hostNs(h.index)}`), `namespace of ${h.name}`);
    assert.is(mountsMentioning(paths.host(h.name)).length, 0, `mounts of ${h.name}`);
    assert.not.ok(existsSync(paths.host(h.name)), `upper of ${h.name}`);
    for (const tree of NAMES.cgroupTrees) assert.not.ok(existsSync(join(tree, NAMES.tag, h.name)), `cgroup of ${h.name}`);
    assert.not.ok(hubLinks().includes(` ${hostVeth(h.index)}@`), `veth of ${h.name}`);
  }
  assert.not.ok(existsSync(join(lab.inventory, 'hosts.yml')));
  assert.is(others, 0, 'this lab is the test\'s own');
  {
    // The last hosts are gone: so are the hub, the bridge, the controller's veth, the proxy and the cgroup trees.
    assert.not.ok(existsSync(`/run/netns/${NAMES.hubNs}`));
    assert.not.ok(existsSync(`/sys/class/net/${NAMES.rootVeth}`));
    for (const d of daemons) assert.ok(d.pid && gone(d), `lab daemon pid ${d.pid}`);
    for (const tree of NAMES.cgroupTrees) assert.not.ok(existsSync(join(tree, NAMES.tag)));
    assert.is(readdirSync('/run/netns').filter((n) => n.startsWith(NAMES.tag)).length, 0);
  }
});

test.run();
