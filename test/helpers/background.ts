// The provision CLI in the background: its PID (to signal it) and its result once it ends.
import { spawn } from 'node:child_process';
import type { CliResult } from './cli.ts';

const bin = new URL('../../bin/provision.js', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;

export function provisionBackground(args: string[]): { pid: number; output(): string; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return {
    pid: child.pid!,
    output: () => stdout,
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }))),
  };
}
