// The provision CLI in the background, plain or on a terminal: its PID (to signal it) and its result once it ends.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, bin, root, startProvision } from './cli.ts';

export function provisionBackground(args: string[]): { pid: number; output(): string; done: Promise<CliResult> } {
  const run = startProvision(args);
  return { pid: run.child.pid!, output: run.stdout, done: run.done };
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
