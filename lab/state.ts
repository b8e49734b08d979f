// The lab's one state file, and the lock that serializes the commands that change it.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { writeAtomic } from '../engine/atomic-file.ts';
import { dirname } from 'node:path';
import { UserError } from '../engine/errors.ts';
import { DEFAULT_SUBNET, paths } from './paths.ts';

export type HostRecord = {
  name: string;
  prefix: string;
  index: number;
  address: string;
  mac: string;
  /** Where this host's inventory was written. */
  inventory: string;
  /** The systemd-nspawn process (the launcher execs into it). */
  pid?: number;
  /** The image layers under the host's upper, top first. */
  layers: string[];
  hostKey: string;
  /** systemd as PID 1 (a droplet), or sysv: no systemd, sshd under a minimal init (services by init scripts). */
  init?: 'systemd' | 'sysv';
};

export type ProxyRecord = { acngPid?: number; relayPid?: number; hubRelayPid?: number; mirrorPid?: number };

export type LabState = {
  version: 1;
  subnet: string;
  proxy: ProxyRecord;
  hosts: Record<string, HostRecord>;
};

export function emptyState(subnet = DEFAULT_SUBNET): LabState {
  return { version: 1, subnet, proxy: {}, hosts: {} };
}

export function loadState(): LabState {
  try {
    return JSON.parse(readFileSync(paths.state(), 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new UserError(`the lab state file ${paths.state()} is unreadable (${(err as Error).message}): run \`provision lab down\``);
  }
}

/** Writes the state atomically (temp file, fsync, rename), so a crash never leaves half a file. */
export function saveState(state: LabState): void {
  mkdirSync(dirname(paths.state()), { recursive: true });
  writeAtomic(paths.state(), JSON.stringify(state, null, 2) + '\n', 0o644);
}

/**
 * Runs `fn` holding an exclusive flock(2) on the lab's lock file. flock(1) takes the lock on the
 * open file description this process shares with it, so the lock lasts until we close the fd,
 * and the kernel drops it if this process dies.
 */
export async function withLabLock<T>(fn: () => Promise<T>, timeoutS = 900): Promise<T> {
  mkdirSync(dirname(paths.lock()), { recursive: true });
  const fd = openSync(paths.lock(), 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['-x', '-w', String(timeoutS), '3'], { stdio: ['ignore', 'ignore', 'inherit', fd] });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new UserError(`another lab command has held ${paths.lock()} for ${timeoutS} s: wait for it or stop it`);
    return await fn();
  } finally {
    closeSync(fd);
  }
}
