// Small process helpers for the lab: commands with clear failures, PIDs checked before they are signalled.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';

$.verbose = false;
$.quiet = true;

/** Runs argv; on failure throws an Error naming the command and its stderr. */
export async function run(argv: string[], opts: { input?: string; nothrow?: boolean } = {}): Promise<string> {
  const p = $({ input: opts.input, nothrow: true })`${argv}`;
  const out = await p;
  if (out.exitCode !== 0 && !opts.nothrow) {
    const why = (out.stderr || out.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${argv.join(' ')} failed (exit ${out.exitCode}): ${why}`);
  }
  return out.stdout;
}

/** The command line of a live process, or undefined when the PID is gone (or a zombie). */
export function cmdline(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * A process just started: alive, and its command line contains `marker` or is empty. While a process execs (a
 * daemon started through `ip netns exec`), /proc/PID/cmdline reads empty for a moment: the new program's
 * arguments are not in place yet. Seen as "not ours", a daemon starting was taken for one that had died.
 */
export function starting(pid: number, marker: string): boolean {
  const c = cmdline(pid);
  return c !== undefined && (c === '' || c.includes(marker));
}

/** True when `pid` is alive and still the process we started (its command line contains `marker`). */
export function isOurs(pid: number | undefined, marker: string): pid is number {
  if (!pid) return false;
  return cmdline(pid)?.includes(marker) ?? false;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Only signals a PID that is ours. */
export async function stopPid(pid: number | undefined, marker: string, graceMs = 10_000): Promise<void> {
  if (!isOurs(pid, marker)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isOurs(pid, marker)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await sleep(50);
  }
}
