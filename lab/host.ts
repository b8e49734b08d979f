// One lab host: an overlay root over the image, its identity written into its upper layer before boot,
// systemd-nspawn --boot inside the host's network namespace, and a clean halt.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { shq } from '../engine/shell.ts';
import { NAMES, hostNs, machineName, paths } from './paths.ts';
import { isOurs, run, stopPid } from './proc.ts';
import type { HostRecord } from './state.ts';

const dirs = (name: string) => {
  const root = paths.host(name);
  return { root, upper: join(root, 'upper'), work: join(root, 'work'), merged: join(root, 'merged'), log: join(root, 'console.log') };
};

function put(root: string, file: string, text: string, mode: number): void {
  const path = join(root, file);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/**
 * Writes the host's identity into a fresh upper layer: its own SSH host key, the lab's key for root,
 * hostname, hosts, a random machine-id and the apt proxy. Returns the known_hosts key ("type base64").
 */
export async function prepareHost(h: HostRecord, labPublicKey: string, proxyUrl: string): Promise<string> {
  const d = dirs(h.name);
  rmSync(d.root, { recursive: true, force: true });
  for (const dir of [d.upper, d.work, d.merged]) mkdirSync(dir, { recursive: true });
  mkdirSync(join(d.upper, 'etc/ssh'), { recursive: true });
  const keyFile = join(d.upper, 'etc/ssh/ssh_host_ed25519_key');
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', keyFile]);
  mkdirSync(join(d.upper, 'root/.ssh'), { recursive: true, mode: 0o700 });
  chmodSync(join(d.upper, 'root/.ssh'), 0o700);
  put(d.upper, 'root/.ssh/authorized_keys', labPublicKey, 0o600);
  put(d.upper, 'etc/hostname', `${h.name}\n`, 0o644);
  put(d.upper, 'etc/hosts', `127.0.0.1 localhost\n127.0.1.1 ${h.name}\n::1 localhost ip6-localhost ip6-loopback\n`, 0o644);
  put(d.upper, 'etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444);
  put(d.upper, 'etc/apt/apt.conf.d/01provision-lab-proxy', `Acquire::http::Proxy "${proxyUrl}";\n`, 0o644);
  const [type, key] = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/);
  return `${type} ${key}`;
}

/** The launcher: joins its own cgroups, mounts the overlay in a private mount namespace, execs nspawn. */
function launchScript(h: HostRecord): string {
  const d = dirs(h.name);
  const q = shq;
  const cgroups = NAMES.cgroupTrees.map((t) => join(t, NAMES.tag, h.name));
  const inner = [
    `mount -t overlay overlay -o ${q(`lowerdir=${h.layers.join(':')},upperdir=${d.upper},workdir=${d.work}`)} ${q(d.merged)}`,
    ['exec systemd-nspawn --quiet', h.init === 'sysv' ? '--as-pid2' : '--boot', `--directory=${q(d.merged)}`, `--machine=${machineName(h.name)}`,
      '--register=no --keep-unit --settings=no --link-journal=no --resolv-conf=off --timezone=off --console=passive',
      `--network-namespace-path=/run/netns/${hostNs(h.index)}`, '--capability=CAP_NET_ADMIN',
      // Without systemd: nspawn's stub init reaps orphans as PID 1; sshd runs as PID 2, services start from /etc/init.d.
      ...(h.init === 'sysv' ? [`--hostname=${h.name}`, '/bin/sh', '-c', q('mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e')] : [])].join(' '),
  ].join(' && ');
  return [
    'set -e',
    // Off a systemd PID 1, every container would share one cgroup unless its launcher moves first.
    ...cgroups.map((c) => `mkdir -p ${q(c)} && echo $$ > ${q(c)}/cgroup.procs`),
    `exec unshare --mount --propagation private sh -c ${q(inner)}`,
  ].join('\n');
}

/** Starts the host; returns the PID, which becomes systemd-nspawn's own (every step execs). */
export function launchHost(h: HostRecord): number {
  const d = dirs(h.name);
  const fd = openSync(d.log, 'a');
  const child = spawn('sh', ['-c', launchScript(h)], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`${h.name}: cannot start systemd-nspawn`);
  return child.pid;
}

/** Resolves once sshd on the host sends its banner; rejects if the launcher dies first. */
export async function waitSshd(h: HostRecord, pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const banner = await new Promise<string>((resolve) => {
      const s = connect(22, h.address);
      let got = '';
      const done = () => { s.destroy(); resolve(got); };
      s.setTimeout(1000, done);
      s.on('data', (b) => { got += b.toString(); if (got.includes('\n')) done(); });
      s.on('error', done);
      s.on('close', done);
    });
    if (banner.startsWith('SSH-')) return;
    if (!isOurs(pid, machineName(h.name))) {
      const log = readFileSync(dirs(h.name).log, 'utf8').trim().split('\n').slice(-3).join(' / ');
      throw new Error(`${h.name}: systemd-nspawn exited before sshd answered: ${log}`);
    }
    await sleep(50);
  }
  throw new Error(`${h.name}: sshd did not answer on ${h.address}:22 within ${timeoutMs / 1000} s: see ${dirs(h.name).log}`);
}

/** Halts the host cleanly (SIGTERM makes nspawn shut systemd down), SIGKILL after 20 s. */
export async function stopHost(h: HostRecord): Promise<void> {
  await stopPid(h.pid, machineName(h.name), 20_000);
}

export function hostAlive(h: HostRecord): boolean {
  return isOurs(h.pid, machineName(h.name));
}

function cgroupPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) pids.push(...cgroupPids(join(dir, e.name)));
    else if (e.name === 'cgroup.procs') {
      try {
        pids.push(...readFileSync(join(dir, e.name), 'utf8').split('\n').filter(Boolean).map(Number));
      } catch { /* removed meanwhile */ }
    }
  }
  return pids;
}

/**
 * Kills, by PID, whatever still runs in a host's cgroups: a container whose nspawn was SIGKILLed
 * (a crash) keeps running without it. Resolves once the cgroups are empty.
 */
export async function killLeftovers(name: string): Promise<void> {
  const trees = NAMES.cgroupTrees.map((t) => join(t, NAMES.tag, name));
  for (let i = 0; i < 100; i++) {
    const pids = [...new Set(trees.flatMap(cgroupPids))];
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    await sleep(50);
  }
  throw new Error(`${name}: processes are still running in its cgroups after SIGKILL`);
}

function rmCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) rmCgroupTree(join(dir, e.name));
  }
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes the cgroups of one host (or, without a name, the lab's whole cgroup trees), depth first. */
export function removeCgroups(name?: string): void {
  for (const tree of NAMES.cgroupTrees) {
    rmCgroupTree(name ? join(tree, NAMES.tag, name) : join(tree, NAMES.tag));
  }
}

export function removeHostFiles(name: string): void {
  rmSync(dirs(name).root, { recursive: true, force: true });
}

export const consoleLog = (name: string) => dirs(name).log;
