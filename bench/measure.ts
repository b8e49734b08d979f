// Runs a command and measures it: wall seconds, and the peak resident memory of its whole process tree
// (the sum of VmRSS over the command and every descendant, sampled every 50 ms from /proc).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export type Measured = { seconds: number; peakRssMb: number; code: number; stdout: string; stderr: string };

function descendants(pid: number, out: number[] = []): number[] {
  out.push(pid);
  let kids: string;
  try {
    // Every thread may have children of its own.
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return out;
  }
  for (const k of kids.split(' ').filter(Boolean)) descendants(Number(k), out);
  return out;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Processes not in the tree whose command line holds `marker` (Ansible's ControlPersist masters detach). */
export function pidsMatching(marker: string): number[] {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) found.push(Number(d));
    } catch { /* gone */ }
  }
  return found;
}

export function treeRssKb(pid: number, marker?: string): number {
  const pids = new Set(descendants(pid));
  if (marker) for (const p of pidsMatching(marker)) pids.add(p);
  return [...pids].reduce((n, p) => n + rssKb(p), 0);
}

/** `marker`: also count processes, detached from the tree, whose command line holds it. */
export function measure(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; marker?: string } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let peak = 0;
    const sample = () => { if (child.pid) peak = Math.max(peak, treeRssKb(child.pid, o.marker)); };
    const timer = setInterval(sample, 50);
    // A run that hangs (a stalled apt fetch was seen) ends the bench loudly instead of forever.
    const limitS = Number(process.env.BENCH_TIMEOUT_S ?? 1800);
    const watchdog = setTimeout(() => {
      for (const p of child.pid ? descendants(child.pid).reverse() : []) {
        try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
      stderr += `\n(bench: killed after ${limitS} s)`;
    }, limitS * 1000);
    child.on('error', (err) => { clearInterval(timer); clearTimeout(watchdog); reject(err); });
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(watchdog);
      resolve({ seconds: (performance.now() - t0) / 1000, peakRssMb: peak / 1024, code: code ?? -1, stdout, stderr });
    });
  });
}
