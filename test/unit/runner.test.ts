// The runner's closing line and exit code: uvu alone exits 0 when no test ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../..', import.meta.url).pathname;

/** The runner on these files: its exit code, its last line and its whole output. */
function runAll(files: Record<string, string>) {
  const dir = mkdtempSync(join(root, 'test', 'fixtures', 'runner-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/run.ts')], {
    cwd: root, env: { ...process.env, TEST_ROOT: dir, TEST_LINGER_S: '1' }, encoding: 'utf8',
  });
  spawnSync('rm', ['-rf', dir]);
  return { code: r.status, last: r.stdout.trim().split('\n').at(-1), out: r.stdout + r.stderr };
}

function runOn(files: Record<string, string>) {
  const { code, last } = runAll(files);
  return { code, last };
}

const uvu = "import { test } from 'uvu';\nimport * as assert from 'uvu/assert';\n";

test('a file that runs no test is a failure', () => {
  const r = runOn({ 'empty.test.ts': `${uvu}test.run();\n` });
  assert.equal(r, { code: 1, last: '0 passed, 1 failed' });
});

test('passes and failures are counted across files', () => {
  const r = runOn({
    'a.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest('bad', () => assert.is(1, 2));\ntest.run();\n`,
    'b.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest.run();\n`,
  });
  assert.equal(r, { code: 1, last: '2 passed, 1 failed' });
});

test('a file that dies before its summary counts as failed', () => {
  const r = runOn({ 'dies.test.ts': `${uvu}test('ok', () => assert.ok(true));\nprocess.exit(3);\n` });
  assert.equal(r, { code: 1, last: '0 passed, 1 failed' });
});

test('a file that keeps running after its tests (a leaked handle) counts as failed', () => {
  const r = runOn({ 'leak.test.ts': `${uvu}test('ok', () => assert.ok(true));\nsetInterval(() => {}, 1000);\ntest.run();\n` });
  assert.equal(r, { code: 1, last: '1 passed, 1 failed' });
});

test('all passing: exit 0', () => {
  const r = runOn({ 'a.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest.run();\n` });
  assert.equal(r, { code: 0, last: '1 passed, 0 failed' });
});

test('failing tests are each counted as failed', () => {
  const r = runOn({
    'a.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest('bad', () => assert.is(1, 2));\ntest('worse', () => assert.is(3, 4));\ntest.run();\n`,
  });
  assert.equal(r, { code: 1, last: '1 passed, 2 failed' });
});

test('skipped tests are neither passed nor failed, and nothing goes negative', () => {
  const r = runAll({
    'skips.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest.skip('later', () => assert.is(1, 2));\n`
      + `test.skip('never', () => assert.is(1, 2));\ntest('ok too', () => assert.ok(true));\ntest.run();\n`,
  });
  assert.equal({ code: r.code, last: r.last }, { code: 0, last: '2 passed, 0 failed' });
  assert.not.match(r.out, /-\d+ (passed|failed|skipped)/);
  assert.match(r.out, /skips\.test\.ts: 2 passed, 0 failed, 2 skipped/);
});

test('a file with .only does not hide the failure of another file', () => {
  const r = runAll({
    'only.test.ts': `${uvu}test.only('focused', () => assert.ok(true));\ntest('left out', () => assert.is(1, 2));\n`
      + `test('left out too', () => assert.ok(true));\ntest.run();\n`,
    'fails.test.ts': `${uvu}test('bad', () => assert.is(1, 2));\ntest.run();\n`,
  });
  assert.equal({ code: r.code, last: r.last }, { code: 1, last: '1 passed, 1 failed' });
  assert.not.match(r.out, /-\d+ (passed|failed|skipped)/);
});

test('a suite with a skip and failures, next to another suite in the same file', () => {
  const r = runOn({
    'suites.test.ts': "import { suite } from 'uvu';\nimport * as assert from 'uvu/assert';\n"
      + "const s = suite('first');\ns('ok', () => assert.ok(true));\ns.skip('later', () => {});\n"
      + "s('bad', () => assert.is(1, 2));\ns('worse', () => assert.is(3, 4));\ns.run();\n"
      + "const t = suite('second');\nt('ok', () => assert.ok(true));\nt.run();\n",
  });
  assert.equal(r, { code: 1, last: '2 passed, 2 failed' });
});

test('a before hook that throws: its reason is shown and its suite counts as failed', () => {
  const r = runAll({
    'lab.test.ts': "import { suite, test } from 'uvu';\nimport * as assert from 'uvu/assert';\n"
      + "const s = suite('lab');\ns.before(async () => { throw new Error('the lab did not come up: no bridge'); });\n"
      + "s('one', () => assert.ok(true));\ns('two', () => assert.ok(true));\ns.run();\n"
      + "test('outside the lab', () => assert.ok(true));\ntest.run();\n",
  });
  assert.equal({ code: r.code, last: r.last }, { code: 1, last: '1 passed, 2 failed' });
  assert.match(r.out, 'the lab did not come up: no bridge');
});

test('a test that throws something other than an Error: the value is shown, the rest of its suite still counts', () => {
  const r = runAll({
    'odd.test.ts': `${uvu}test('ok', () => assert.ok(true));\ntest('odd', () => { throw 'no lab today'; });\n`
      + `test('after', () => assert.ok(true));\ntest.run();\n`,
  });
  assert.match(r.out, 'no lab today');
  assert.equal({ code: r.code, last: r.last }, { code: 1, last: '2 passed, 1 failed' });
});

test.run();
