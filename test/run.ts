// The test runner: every test/**/*.test.ts in its own process (uvu through tsx), files in parallel,
// then one line "N passed, N failed". A file that runs no test, or dies before uvu's summary, fails.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const jobs = Number(process.env.TEST_JOBS ?? 3);
const lingerMs = Number(process.env.TEST_LINGER_S ?? 10) * 1000;
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_S ?? 1200) * 1000;

function find(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

type Result = { file: string; passed: number; failed: number; output: string };

function runFile(file: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root, detached: true, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let lingering: NodeJS.Timeout | undefined;
    let leaked = false;
    child.stdout.on('data', (d) => {
      output += d;
      // uvu has printed its summary; a file still running after that leaks a handle (a server, a socket).
      if (!lingering && /Duration:/.test(output)) {
        lingering = setTimeout(() => {
          output += `\n[runner] ${relative(root, file)} did not exit after its tests: a handle was left open\n`;
          leaked = true;
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        }, lingerMs);
      }
    });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => {
      output += `\n[runner] ${relative(root, file)} ran over ${fileTimeoutMs / 1000} s: killed\n`;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, fileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(lingering);
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      let failed = total - passed - skipped;
      // No summary, no test, or a non-zero exit: the file counts as (at least) one failure.
      if (total === 0 || code !== 0 || leaked) failed = Math.max(failed, 1);
      resolve({ file, passed, failed, output });
    });
  });
}

const wanted = process.argv.slice(2);
const files = find(process.env.TEST_ROOT ?? join(root, 'test')).filter((f) => !wanted.length || wanted.some((w) => f.includes(w)));
const queue = [...files];
const results: Result[] = [];
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, async () => {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    process.stdout.write(`\n=== ${relative(root, file)}: ${r.passed} passed, ${r.failed} failed\n${r.output}`);
    results.push(r);
  }
}));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + (files.length === 0 ? 1 : 0);
if (files.length === 0) console.log('no test files found');
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
