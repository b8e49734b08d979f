// The test runner: every test/**/*.test.ts in its own process (uvu through tsx), files in parallel,
// then one line "N passed, N failed" (skipped tests are neither, and reported on the line before).
// A file that runs no test, dies before uvu's summary, exits non-zero or lingers after it, fails.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// uvu with the reasons it swallows (a throwing `before` hook) shown: test/runner/uvu.ts.
const preload = new URL('runner/preload.ts', import.meta.url).href;
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

type Result = { file: string; passed: number; failed: number; skipped: number; output: string };
type Tally = { passed: number; failed: number; skipped: number; tests: number; summary: boolean; notes: string[] };

/**
 * What uvu 0.5.6 reported on a file's stdout. Per test it writes a mark ("• " passed, "✘ " failed, no newline);
 * each suite then ends its line with "  (P / T)": P of its T tests passed, T counting neither test.skip nor
 * the tests .only left out, so T - P of them failed or never ran (a throwing `before` hook ends the suite
 * without a mark or a word; test/runner/uvu.ts prints why). The file ends with a summary: Total (the sum
 * of T), Passed, Skipped (skips and the tests .only left out; not in Total), Duration. Counts are taken
 * per suite and checked against the summary.
 */
function tally(stdout: string): Tally {
  const t: Tally = { passed: 0, failed: 0, skipped: 0, tests: 0, summary: false, notes: [] };
  let from = 0;
  for (const m of stdout.matchAll(/ {2}\((\d+) \/ (\d+)\)\n/g)) {
    const [ok, of] = [Number(m[1]), Number(m[2])];
    const crosses = stdout.slice(from, m.index).split('✘ ').length - 1;
    from = m.index! + m[0].length;
    if (ok > of) { t.notes.push(`a suite reports ${ok} of ${of} tests passed`); continue; }
    t.passed += ok;
    t.failed += of - ok;
    t.tests += of;
    if (of - ok > crosses) t.notes.push(`${of - ok - crosses} of the ${of} tests of a suite did not run: uvu ended the suite early (the reason, if known, is on an [uvu] line above)`);
  }
  const summaries = [...stdout.matchAll(/^ {2}Total: +(\d+)\n {2}Passed: +(\d+)\n {2}Skipped: +(\d+)\n {2}Duration:/gm)];
  t.summary = summaries.length > 0;
  const sum = (i: number) => summaries.reduce((n, m) => n + Number(m[i]), 0);
  t.skipped = sum(3);
  if (t.summary && (sum(1) !== t.tests || sum(2) !== t.passed)) {
    t.notes.push(`its suites add up to ${t.passed} of ${t.tests} passed, its summary says ${sum(2)} of ${sum(1)}`);
    t.failed = Math.max(t.failed, 1);
  }
  return t;
}

function runFile(file: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, file], {
      cwd: root, detached: true, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    let lingering: NodeJS.Timeout | undefined;
    let leaked = false;
    child.stdout.setEncoding('utf8'); // a mark ("•", three bytes) may straddle two chunks
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      output += d;
      stdout += d;
      // uvu has printed its summary; a file still running after that leaks a handle (a server, a socket).
      if (!lingering && /Duration:/.test(stdout)) {
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
      const t = tally(stdout);
      for (const note of t.notes) output += `\n[runner] ${relative(root, file)}: ${note}\n`;
      if (!t.summary) output += `\n[runner] ${relative(root, file)}: no summary from uvu (exit ${code ?? 'by signal'})\n`;
      else if (t.tests === 0) output += `\n[runner] ${relative(root, file)}: no test ran\n`;
      // No summary, no test, a non-zero exit or a leaked handle: the file counts as (at least) one failure.
      const failed = !t.summary || t.tests === 0 || code !== 0 || leaked ? Math.max(t.failed, 1) : t.failed;
      resolve({ file, passed: t.passed, failed, skipped: t.skipped, output });
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
    const skipped = r.skipped ? `, ${r.skipped} skipped` : '';
    process.stdout.write(`\n=== ${relative(root, file)}: ${r.passed} passed, ${r.failed} failed${skipped}\n${r.output}`);
    results.push(r);
  }
}));

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + (files.length === 0 ? 1 : 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
if (files.length === 0) console.log('no test files found');
if (skipped) console.log(`${skipped} skipped (test.skip, or left out by .only)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
