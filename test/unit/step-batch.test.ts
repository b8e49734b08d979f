// Many steps and a fact batch in one command, run here by sh: order, payloads, output per step, failure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFacts } from '../../engine/gather.ts';
import type { FactDef, Step } from '../../engine/module.ts';
import { MAX_SCRIPT, splitSteps, stepBatch } from '../../engine/step-batch.ts';

function run(steps: Step[], facts: FactDef[] = []) {
  const b = stepBatch(steps, facts, undefined)!;
  // The exec's command line is run by the login shell, as sshd does.
  const r = spawnSync('sh', ['-c', b.command], { input: Buffer.concat(b.stdin), encoding: 'utf8' });
  return { b, r, steps: splitSteps(b, r.stdout, r.stderr, r.status ?? -1) };
}

const fact = (key: string, script: string): FactDef<string> => ({ key, script, parse: (out) => out.trim() });

test('steps run in order, each with its own payload, even one that reads none of it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  const { steps } = run([
    { write: { path: join(dir, 'a'), content: 'first\n' } },
    { exec: ['true'], stdin: 'ignored payload that nobody reads' },
    { exec: ['cat'], stdin: Buffer.from([0, 1, 2, 255]) },
    { write: { path: join(dir, 'b'), content: 'second\n', mode: '0600' } },
    { exec: ['sh', '-c', 'cat a b; echo oops >&2'], cwd: dir },
  ]);
  assert.equal(steps.map((s) => [s.ok, s.code]), [[true, 0], [true, 0], [true, 0], [true, 0], [true, 0]]);
  assert.is(readFileSync(join(dir, 'a'), 'utf8'), 'first\n');
  assert.is(readFileSync(join(dir, 'b'), 'utf8'), 'second\n');
  assert.equal(Buffer.from(steps[2].stdout, 'latin1').length, 4, 'binary payload reached its step whole');
  assert.is(steps[4].stdout, 'first\nsecond\n');
  assert.is(steps[4].stderr, 'oops\n');
  assert.is(steps[1].stdout, '');
});

test('a payload cut short stops the batch before its step runs: no partial write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  const b = stepBatch([
    { write: { path: join(dir, 'a'), content: 'first\n' } },
    { write: { path: join(dir, 'b'), content: 'x'.repeat(1000) } },
  ], [], undefined)!;
  const cut = Buffer.concat(b.stdin).subarray(0, 6 + 500);
  const r = spawnSync('sh', ['-c', b.command], { input: cut, encoding: 'utf8' });
  const steps = splitSteps(b, r.stdout, r.stderr, r.status ?? -1);
  assert.equal(steps.map((s) => [s.ok, s.code]), [[true, 0], [false, 96]]);
  assert.match(steps[1].stderr, 'its input arrived cut short: not run');
  assert.equal(readdirSync(dir), ['a']);
});

test('a session dropped mid-payload (stdin cut, stderr gone: SIGPIPE) leaves no temp file behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  const tmp = mkdtempSync(join(tmpdir(), 'sb-tmp-'));
  const b = stepBatch([{ write: { path: join(dir, 'big'), content: Buffer.alloc(200_000, 1) } }], [], undefined)!;
  const child = spawn('sh', ['-c', b.command], { env: { ...process.env, TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.destroy();
  child.stdout.destroy();
  child.stdin.end(Buffer.concat(b.stdin).subarray(0, 50_000));
  await new Promise((r) => child.on('close', r));
  assert.equal(readdirSync(tmp), [], 'the payload\'s temp file was left');
  assert.equal(readdirSync(dir), []);
});

test('the first failing step ends the batch: later steps and the facts do not run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  const { steps, r, b } = run([
    { exec: ['touch', join(dir, 'one')] },
    { shell: 'echo broken >&2; exit 3' },
    { exec: ['touch', join(dir, 'three')] },
  ], [fact('f', 'echo should-not-run')]);
  assert.is(steps.length, 2);
  assert.equal([steps[1].ok, steps[1].code, steps[1].label, steps[1].stderr], [false, 3, 'echo broken >&2; exit 3', 'broken\n']);
  assert.equal(readdirSync(dir), ['one']);
  assert.not.ok(r.stdout.includes('should-not-run'));
  assert.ok(b.facts.length === 1);
});

test('an exit code listed in okCodes is not a failure', () => {
  const { steps } = run([{ exec: ['sh', '-c', 'exit 1'], okCodes: [0, 1] }, { exec: ['echo', 'after'] }]);
  assert.equal(steps.map((s) => [s.ok, s.code, s.stdout]), [[true, 1, ''], [true, 0, 'after\n']]);
});

test('facts after the steps see what the steps did, each key read once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  const path = join(dir, 'x');
  const { b, r } = run([{ write: { path, content: 'made\n' } }],
    [fact('x', `cat ${path}`), fact('x', `cat ${path}`), fact('y', 'cat; echo stdin-was-empty')]);
  assert.is(b.facts.length, 2);
  const facts = parseFacts(b.facts, r.stdout, b.factBoundary);
  assert.is(facts.get('x'), 'made');
  assert.is(facts.get('y'), 'stdin-was-empty');
});

test('a step that never reports (the batch killed) is a failure, not a success', () => {
  const { steps } = run([{ exec: ['echo', 'fine'] }, { shell: 'kill -9 $PPID' }, { exec: ['echo', 'never'] }]);
  assert.is(steps.length, 2);
  assert.equal([steps[0].ok, steps[1].ok], [true, false]);
});

test('a command line too long for one argument is refused (the engine then runs step by step)', () => {
  assert.is(stepBatch([{ shell: `echo ${'x'.repeat(MAX_SCRIPT)}` }], [], undefined), undefined);
  assert.ok(stepBatch([{ exec: ['cat'], stdin: 'y'.repeat(4 * MAX_SCRIPT) }], [], undefined), 'a payload rides on stdin, not the command line');
});

test.run();
