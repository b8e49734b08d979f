// The lab's apt proxy: apt-cacher-ng on the controller's loopback, relayed into the hub namespace
// by socat, so hosts reach exactly one address outside themselves: the bridge's :3142.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACNG_PORT, NAMES, PROXY_PORT, paths } from './paths.ts';
import { isOurs, stopPid } from './proc.ts';
import type { ProxyRecord } from './state.ts';

const MARK = { acng: 'apt-cacher-ng', relay: 'socat' };
const socket = () => join(paths.proxy(), 'relay.sock');

function acngConfig(): string {
  return [
    `CacheDir: ${paths.aptCache()}`,
    `LogDir: ${join(paths.proxy(), 'log')}`,
    `Port: ${ACNG_PORT}`,
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

async function waitPort(host: string, port: number, pid: number, marker: string, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (!isOurs(pid, marker)) break;
    await sleep(25);
  }
  throw new Error(`${what} did not start listening on ${host}:${port}: see ${join(paths.proxy(), '*.log')}`);
}

export function proxyAlive(p: ProxyRecord): boolean {
  return isOurs(p.acngPid, MARK.acng) && isOurs(p.relayPid, MARK.relay) && isOurs(p.hubRelayPid, MARK.relay);
}

/** Starts whatever part of the proxy is not running; returns the PIDs to record. */
export async function ensureProxy(p: ProxyRecord, bridgeAddr: string): Promise<ProxyRecord> {
  if (proxyAlive(p)) return p;
  await stopProxy(p);
  const dir = paths.proxy();
  mkdirSync(join(dir, 'log'), { recursive: true });
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(paths.aptCache(), { recursive: true });
  writeFileSync(join(dir, 'conf', 'acng.conf'), acngConfig());
  const acngPid = daemon(['apt-cacher-ng', '-c', join(dir, 'conf'), 'ForeGround=1'], join(dir, 'acng.log'));
  await waitPort('127.0.0.1', ACNG_PORT, acngPid, MARK.acng, 'apt-cacher-ng');
  const relayPid = daemon(['socat', `UNIX-LISTEN:${socket()},fork,unlink-early`, `TCP:127.0.0.1:${ACNG_PORT}`],
    join(dir, 'relay.log'));
  const hubRelayPid = daemon(['ip', 'netns', 'exec', NAMES.hubNs, 'socat',
    `TCP-LISTEN:${PROXY_PORT},bind=${bridgeAddr},fork,reuseaddr`, `UNIX-CONNECT:${socket()}`], join(dir, 'hub-relay.log'));
  await waitPort(bridgeAddr, PROXY_PORT, hubRelayPid, MARK.relay, 'the hub relay');
  return { acngPid, relayPid, hubRelayPid };
}

export async function stopProxy(p: ProxyRecord): Promise<void> {
  await Promise.all([
    stopPid(p.acngPid, MARK.acng, 5000),
    stopPid(p.relayPid, MARK.relay, 5000),
    stopPid(p.hubRelayPid, MARK.relay, 5000),
  ]);
}
