// The throwaway view of a host (engine/view/), on a real lab host: packages installed in it leave the host as it
// was (its files, its units, its ports), and the view says what they would have done (files created, modified,
// deleted; the service actions asked for); a daemon started in it is killed and named; the host's network and
// firewall stay out of reach; the view is gone when it is closed and when its heartbeat stops.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { READY, VIEW } from '../../engine/view/scripts.ts';
import { HostView, ViewUnavailable } from '../../engine/view/view.ts';
import { shq } from '../../engine/shell.ts';
import { sh, useLab } from '../helpers/lab.ts';
import { changedSince, hostState } from '../helpers/host-state.ts';

const test = suite('view');
let ssh: SshConnection;
useLab(test, 'vw', 1, (_l, s) => { ssh = s[0]; });

const state = () => hostState(ssh);
/** Processes and mounts of the view with PID 1 `pid` left on the host. */
const leftOf = (pid: number) => sh(ssh, `vp=$(readlink /proc/${pid}/ns/pid 2>/dev/null); n=0; [ -n "$vp" ] && for d in /proc/[0-9]*; do [ "$(readlink $d/ns/pid 2>/dev/null)" = "$vp" ] && n=$((n+1)); done; echo $n; grep -l provision-view /proc/[0-9]*/mountinfo 2>/dev/null | wc -l`);
const inView = async (v: HostView, cmd: string) => {
  const r = await v.exec(cmd);
  assert.is(r.code, 0, `${cmd}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

test('packages installed in the view: the host unchanged, the files and service actions reported', async () => {
  const before = await state();
  const v = await HostView.open(ssh);
  await inView(v, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null');
  const s = await v.settle();
  const changed = (path: string) => s.files.find((f) => f.path === path)?.change;
  assert.is(changed('/etc/nginx/nginx.conf'), 'create');
  assert.is(changed('/usr/sbin/nginx'), 'create');
  assert.is(changed('/var/lib/dpkg/status'), 'modify');
  assert.not.ok(s.files.some((f) => f.path === '/usr/sbin/policy-rc.d'), 'the view\'s own files are not a task\'s');
  assert.ok(s.intents.some((i) => /^deb-systemd-invoke start nginx\.service/.test(i)), s.intents.join('\n'));
  assert.equal(s.leftRunning, []);
  assert.ok(s.upperBytes > 1e6, `${s.upperBytes}`);
  // In the view, nginx is there, and not running; on the host, neither.
  assert.match(await inView(v, 'nginx -v 2>&1'), /nginx version/);
  assert.is((await ssh.exec('test -e /etc/nginx')).code, 1);
  const again = await v.settle();
  assert.equal(again.files, [], 'nothing since the last settle');
  v.close();
  await v.ended;
  assert.equal(changedSince(before, await state()), []);
  assert.is((await leftOf(v.pid)).trim(), '0\n0');
});

test('a daemon started in the view is killed and named; the host\'s network and firewall are out of its reach', async () => {
  const before = await state();
  const v = await HostView.open(ssh);
  try {
  await inView(v, 'setsid nohup python3 -m http.server 8099 >/dev/null 2>&1 & sleep 1');
  const s = await v.settle();
  assert.equal(s.leftRunning.map((c) => c.replace(/^\/usr\/bin\//, '')), ['python3 -m http.server 8099']);
  assert.is((await ssh.exec('ss -ltnH | grep -c :8099')).stdout.trim(), '0');
  const ip = await v.exec('ip addr add 10.99.99.99/32 dev lo');
  assert.is.not(ip.code, 0, 'no CAP_NET_ADMIN on the host\'s network');
  // Every view starts from the host as it is: its package lists too.
  await inView(v, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw >/dev/null');
  await v.settle(); // wraps the netfilter tools ufw brought
  await inView(v, 'ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null');
  assert.match(await inView(v, 'ufw status'), /Status: active/);
  const fw = await v.settle();
  assert.ok(fw.files.some((f) => f.path === '/etc/ufw/user.rules' && f.change === 'modify'), JSON.stringify(fw.files));
  // ufw's rules are in the view's own network namespace, read back there.
  assert.match(await inView(v, 'iptables -S ufw-user-input'), /--dport 22 -j ACCEPT/);
  } finally {
    v.close();
    await v.ended;
  }
  assert.equal(changedSince(before, await state()), [], 'no address, no rule, no listener, no file on the host');
});

test('the view ends by itself when its heartbeat stops; a host that cannot have one (no root, no CAP_SYS_ADMIN, no overlayfs, no python3) says why', async () => {
  const held = await ssh.hold(`sh -c ${shq(VIEW)} view 65536 2`, READY);
  const pid = Number(held.line.split(' ')[1]);
  assert.is((await leftOf(pid)).trim().split('\n')[0], '1');
  await held.ended; // no heartbeat: PID 1 gives up after 2 s
  assert.is((await leftOf(pid)).trim(), '0\n0');
  held.release();
  await sh(ssh, 'id nobody2 >/dev/null 2>&1 || useradd nobody2');
  const err = await ssh.exec(`runuser -u nobody2 -- sh -c ${shq(VIEW)} view 65536 2`);
  assert.match(err.stdout, /PROVISION-VIEW-UNABLE it needs root/);
  // What HostView.open refuses with, each command of it run through `wrap` (as a host that lacks something would run it).
  const refusal = async (wrap: (c: string) => string): Promise<string> => {
    try {
      await HostView.open({ exec: (c, o) => ssh.exec(wrap(c), o), hold: (c, r) => ssh.hold(wrap(c), r) });
    } catch (e) {
      assert.instance(e, ViewUnavailable);
      return (e as Error).message;
    }
    assert.unreachable('a view was built');
    return '';
  };
  assert.match(await refusal((c) => `runuser -u nobody2 -- sh -c ${shq(c)}`), /it needs root/);
  // Root without CAP_SYS_ADMIN (a container that withholds it): no namespace of its own, said so.
  assert.is(await refusal((c) => `setpriv --inh-caps -sys_admin --bounding-set -sys_admin -- sh -c ${shq(c)}`), 'cannot make a mount namespace (no CAP_SYS_ADMIN)');
  // A kernel without overlayfs, as its /proc/filesystems reads then (no "overlay" line), in a mount namespace of its own.
  const noOverlay = 'grep -vw overlay /proc/filesystems > /run/no-overlay && mount --bind /run/no-overlay /proc/filesystems && exec sh -c "$0"';
  assert.is(await refusal((c) => `unshare --mount sh -c ${shq(noOverlay)} ${shq(c)}`), 'the kernel has no overlayfs');
  // No python3 (an empty file, not executable, bound over its binary in a mount namespace of its own).
  const noPython = ': > /run/no-python && mount --bind /run/no-python "$(readlink -f /usr/bin/python3)" && exec sh -c "$0"';
  assert.is(await refusal((c) => `unshare --mount sh -c ${shq(noPython)} ${shq(c)}`), 'python3 is not installed (the view reads its changes with it)');
});

test.run();
