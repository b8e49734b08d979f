// The command line as a user meets it: help, unknown commands and flags, bad values, exit codes, npx.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';

test('--help lists the commands and exits 0', async () => {
  const r = await provision(['--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /Usage: provision/);
  assert.match(r.stdout, /\blab\b/);
  assert.match(r.stdout, /\bdemo\b/);
});

for (const cmd of [['lab', 'up'], ['lab', 'down'], ['lab', 'list'], ['lab', 'ssh'], ['demo']]) {
  test(`${cmd.join(' ')} --help exits 0`, async () => {
    const r = await provision([...cmd, '--help']);
    assert.is(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: provision ${cmd.join(' ')}`));
  });
}

test('an unknown command is one line and exit 4', async () => {
  const r = await provision(['frobnicate']);
  assert.is(r.code, 4);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.is(r.stdout, '');
});

test('an unknown flag, at the top or in a subcommand, is one line and exit 4', async () => {
  for (const args of [['--frob'], ['lab', 'up', '--frob'], ['lab', 'list', '-z']]) {
    const r = await provision(args);
    assert.is(r.code, 4, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /unknown option/);
  }
});

test('a bad option value is exit 4', async () => {
  const r = await provision(['lab', 'up', '--count', 'many']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /whole number/);
});

test('a bad prefix is refused before anything starts', async () => {
  const r = await provision(['lab', 'up', '--prefix', 'Bad_Prefix!']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /--prefix "Bad_Prefix!" must be/);
});

test('npx provision --help works from the project', () => {
  const r = spawnSync('npx', ['--no-install', 'provision', '--help'], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: provision/);
});

test.run();
