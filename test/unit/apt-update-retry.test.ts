// The apt module's update step, run here by sh with a stand-in for apt-get: the retries, their waits,
// and the time limit of one try.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import apt, { type AptArgs } from '../../modules/apt.ts';
import type { Step } from '../../engine/module.ts';

/** The update step's argv for these arguments, with `apt-get update ...` replaced by `stand-in`. */
function updateArgv(args: Partial<AptArgs>, standIn: string[]): string[] {
  const facts = new Map<string, unknown>([['apt-lists-age', 99999], ['debs', {}]]);
  const changes = apt.plan({ update_cache: true, ...args }, { get: (f: { key: string }) => facts.get(f.key) } as never, {} as never) as { steps: Step[] }[];
  const exec = (changes[0].steps[0] as { exec: string[] }).exec;
  assert.equal(exec.slice(-5), ['apt-get', 'update', '-q', '-o', 'DPkg::Lock::Timeout=300']);
  return [...exec.slice(0, -5), ...standIn];
}

/** A command that fails its first `failures` runs (exit 100), counting them in a file, then succeeds. */
function flaky(failures: number): { argv: string[]; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'aptupd-'));
  const count = join(dir, 'runs');
  writeFileSync(count, '0');
  const script = `n=$(($(cat ${count}) + 1)); echo $n > ${count}; [ $n -gt ${failures} ] || exit 100`;
  return { argv: ['sh', '-c', script], runs: () => Number(readFileSync(count, 'utf8')) };
}

function run(argv: string[]) {
  const t0 = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

test('a failed update is tried again, waiting 1 s then 2 s, and succeeds', () => {
  const f = flaky(2);
  const r = run(updateArgv({ update_cache_retries: 3 }, f.argv));
  assert.is(r.code, 0);
  assert.is(f.runs(), 3);
  assert.match(r.stderr, 'apt-get update failed (exit 100): retry 1 of 3 in 1 s');
  assert.match(r.stderr, 'retry 2 of 3 in 2 s');
  assert.ok(r.ms >= 3000, `waited ${r.ms} ms`);
});

test('retries used up: the last failure is the step\'s, exit code and all', () => {
  const f = flaky(10);
  const r = run(updateArgv({ update_cache_retries: 1, update_cache_retry_max_delay: 0 }, f.argv));
  assert.is(r.code, 100);
  assert.is(f.runs(), 2);
  assert.match(r.stderr, 'retry 1 of 1 in 0 s');
});

test('retries 0: one try only', () => {
  const f = flaky(1);
  const r = run(updateArgv({ update_cache_retries: 0 }, f.argv));
  assert.is(r.code, 100);
  assert.is(f.runs(), 1);
});

test('a try that hangs is stopped after update_cache_timeout and counts as failed', () => {
  const r = run(updateArgv({ update_cache_timeout: 1, update_cache_retries: 1, update_cache_retry_max_delay: 0 }, ['sleep', '30']));
  assert.is(r.code, 124);
  assert.match(r.stderr, 'apt-get update: not done within 1 s');
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
});

test.run();
