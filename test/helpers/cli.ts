// Runs the provision CLI as a user would: a child process, with its exit code and output.
import { type ChildProcess, spawn } from 'node:child_process';

export const bin = new URL('../../bin/provision.js', import.meta.url).pathname;
export const root = new URL('../..', import.meta.url).pathname;

export type CliResult = { code: number; stdout: string; stderr: string };
export type CliOptions = { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; input?: string; detached?: boolean };

/** The CLI started: the child, its output so far, and its result once it ends (a signal counts as 128). */
export function startProvision(args: string[], opts: CliOptions = {}): { child: ChildProcess; stdout(): string; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root, env: { ...process.env, ...opts.env }, uid: opts.uid, gid: opts.gid, detached: opts.detached, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  child.stdin?.end(opts.input);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
  return { child, stdout: () => stdout, done };
}

/** `detached`: in a session of its own, without a controlling terminal (no /dev/tty to prompt on). */
export function provision(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startProvision(args, opts).done;
}
