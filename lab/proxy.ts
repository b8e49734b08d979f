// The lab's daemons. The apt proxy: apt-cacher-ng on the controller's loopback, behind apt-front.mjs (one
// fetch of a release index for many hosts, see there) on a unix socket, relayed into the hub namespace
// by socat, so hosts reach the archive through the bridge's :3142 only. The download mirror:
// a static file server inside the hub on the bridge's :8080 (see mirror.ts).
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NAMES, PROXY_PORT, acngPort, paths } from './paths.ts';
import { ROOT } from '../engine/root.ts';
import { cmdline, isOurs, starting, stopPid } from './proc.ts';
import type { ProxyRecord } from './state.ts';
import { MIRROR_PORT, mirrorDir } from './mirror.ts';

const MARK = { acng: 'apt-cacher-ng', front: 'apt-front.mjs', relay: 'socat', mirror: 'http.server' };
const socket = () => join(paths.proxy(), 'relay.sock');

function acngConfig(port: number): string {
  return [
    `CacheDir: ${paths.aptCache()}`,
    `LogDir: ${join(paths.proxy(), 'log')}`,
    `Port: ${port}`,
    'BindAddress: 127.0.0.1',
    // The stock config sends deb.debian.org to ftp.debian.org; go where the host asked instead.
    'Remap-debrep: deb.debian.org/debian ; http://deb.debian.org/debian/',
    'Remap-secdeb: deb.debian.org/debian-security ; http://deb.debian.org/debian-security/',
    // Refuse every other site: hosts reach the Debian archive and nothing else.
    'ForceManaged: 1',
    `SocketPath: ${join(paths.proxy(), 'acng.sock')}`,
    'ExThreshold: 4',
    '',
  ].join('\n');
}

function daemon(argv: string[], log: string): number {
  const fd = openSync(log, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`cannot start ${argv[0]}`);
  return child.pid;
}

/** Waits until `at` (a TCP address or a unix socket) accepts connections, while `pid` is still ours. */
async function waitListening(at: { host: string; port: number } | { path: string }, pid: number, marker: string, what: string): Promise<void> {
  // A daemon starting on a loaded machine (python3 in the hub, 30 hosts booting) has taken over 5 s.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(at, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (!starting(pid, marker)) break;
    await sleep(25);
  }
  const where = 'path' in at ? at.path : `${at.host}:${at.port}`;
  throw new Error(`${what} did not start listening on ${where}: see ${join(paths.proxy(), '*.log')}`);
}

export function proxyAlive(p: ProxyRecord): boolean {
  return isOurs(p.acngPid, MARK.acng) && isOurs(p.relayPid, MARK.front) && isOurs(p.hubRelayPid, MARK.relay)
    && isOurs(p.mirrorPid, MARK.mirror);
}

/**
 * Starts whatever part of the proxy and mirror is not running (the rest is left alone). Each PID goes
 * into `p` as soon as its daemon starts, so a failure half-way still leaves every PID on record.
 */
export async function ensureProxy(p: ProxyRecord, bridgeAddr: string): Promise<ProxyRecord> {
  if (proxyAlive(p)) return p;
  const ACNG_PORT = acngPort(Number(bridgeAddr.split('.')[1]));
  const dir = paths.proxy();
  mkdirSync(join(dir, 'log'), { recursive: true });
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(paths.aptCache(), { recursive: true });
  const out = p;
  if (!isOurs(p.acngPid, MARK.acng)) {
    writeFileSync(join(dir, 'conf', 'acng.conf'), acngConfig(ACNG_PORT));
    out.acngPid = daemon(['apt-cacher-ng', '-c', join(dir, 'conf'), 'ForeGround=1'], join(dir, 'acng.log'));
    await waitListening({ host: '127.0.0.1', port: ACNG_PORT }, out.acngPid, MARK.acng, 'apt-cacher-ng');
  }
  if (!isOurs(p.relayPid, MARK.front) || !isOurs(p.hubRelayPid, MARK.relay)) {
    await stopPid(out.relayPid, MARK.front, 5000);
    await stopPid(out.relayPid, MARK.relay, 5000); // a lab started before apt-front had socat here
    await stopPid(out.hubRelayPid, MARK.relay, 5000);
    out.relayPid = daemon([process.execPath, join(ROOT, 'lab', MARK.front), socket(), String(ACNG_PORT)], join(dir, 'relay.log'));
    await waitListening({ path: socket() }, out.relayPid, MARK.front, 'apt-front');
    out.hubRelayPid = daemon(['ip', 'netns', 'exec', NAMES.hubNs, 'socat',
      `TCP-LISTEN:${PROXY_PORT},bind=${bridgeAddr},fork,reuseaddr`, `UNIX-CONNECT:${socket()}`], join(dir, 'hub-relay.log'));
    await waitListening({ host: bridgeAddr, port: PROXY_PORT }, out.hubRelayPid, MARK.relay, 'the hub relay');
  }
  if (!isOurs(p.mirrorPid, MARK.mirror)) {
    // The download mirror, inside the hub: it serves local files only and reaches nothing.
    out.mirrorPid = daemon(['ip', 'netns', 'exec', NAMES.hubNs, 'python3', '-m', 'http.server', String(MIRROR_PORT),
      '--bind', bridgeAddr, '--directory', mirrorDir()], join(dir, 'mirror.log'));
    await waitListening({ host: bridgeAddr, port: MIRROR_PORT }, out.mirrorPid, MARK.mirror, 'the download mirror');
  }
  return out;
}

/**
 * Daemons of this lab that its state does not name (a lab command that died half-way, an older
 * version): found by their command lines, which name this lab's own files or bridge, and stopped by PID.
 */
export async function stopStrayDaemons(bridgeAddr: string): Promise<void> {
  const marks = [`${paths.proxy()}/`, `--bind ${bridgeAddr} --directory ${mirrorDir()}`];
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
    .filter((pid) => pid !== process.pid && marks.some((m) => cmdline(pid)?.includes(m)));
  await Promise.all(pids.map((pid) => stopPid(pid, cmdline(pid) ?? '', 5000)));
}

export async function stopProxy(p: ProxyRecord): Promise<void> {
  await Promise.all([
    stopPid(p.acngPid, MARK.acng, 5000),
    stopPid(p.relayPid, MARK.front, 5000),
    stopPid(p.relayPid, MARK.relay, 5000),
    stopPid(p.hubRelayPid, MARK.relay, 5000),
    stopPid(p.mirrorPid, MARK.mirror, 5000),
  ]);
}
