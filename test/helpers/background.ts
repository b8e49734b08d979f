// The provision CLI in the background, plain or on a terminal: its PID (to signal it) and its result once it ends.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * The provision CLI on a pseudo-terminal (script(1)), in the background: what the terminal showed, its
 * PID once known (the shell writes it, then `exec`s provision, keeping it), and its exit code.
 */
export function provisionOnTerminal(args: string[]): { pid(): Promise<number>; screen(): string; done: Promise<number> } {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'provision-tty-')), 'pid');
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', `stty cols 160 rows 50; echo $$ > ${pidFile}; exec ${process.execPath} ${bin} ${quoted}`, '/dev/null'],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d) => { screen += d; });
  return {
    pid: async () => {
      for (let k = 0; k < 200; k++) {
        const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
        if (text) return Number(text);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the terminal never started provision');
    },
    screen: () => screen,
    done: new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1))),
  };
}
