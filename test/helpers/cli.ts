// Runs the provision CLI as a user would: a child process, with its exit code and output.
import { spawn } from 'node:child_process';

const bin = new URL('../../bin/provision.js', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;

export type CliResult = { code: number; stdout: string; stderr: string };

/** `detached`: in a session of its own, without a controlling terminal (no /dev/tty to prompt on). */
export function provision(args: string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; input?: string; detached?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root, env: { ...process.env, ...opts.env }, uid: opts.uid, gid: opts.gid, detached: opts.detached, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.stdin?.end(opts.input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
