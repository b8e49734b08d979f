// Steps as the shell runs them: the atomic write, its validation and backup, run here on temp files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Step } from '../../engine/module.ts';
import { stepCommand } from '../../engine/steps.ts';

function run(step: Step) {
  const c = stepCommand(step, undefined);
  return spawnSync('sh', ['-c', c.command], { input: Array.isArray(c.stdin) ? Buffer.concat(c.stdin) : c.stdin, encoding: 'utf8' });
}

test('write: new file with content and mode, no temp file left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const r = run({ write: { path: join(dir, 'a.conf'), content: 'x = 1\n', mode: '0640' } });
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(join(dir, 'a.conf'), 'utf8'), 'x = 1\n');
  assert.is((statSync(join(dir, 'a.conf')).mode & 0o777).toString(8), '640');
  assert.equal(readdirSync(dir), ['a.conf']);
});

test('write: an existing file keeps its mode; backup keeps the old content, mode and times, named as Ansible names it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const path = join(dir, 'b.conf');
  writeFileSync(path, 'old\n', { mode: 0o600 });
  utimesSync(path, 1577836800, 1577836800);
  const r = run({ write: { path, content: 'new\n', backup: true } });
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(path, 'utf8'), 'new\n');
  assert.is((statSync(path).mode & 0o777).toString(8), '600');
  // Ansible's backup_local: PATH.PID.YYYY-MM-DD@HH:MM:SS~
  const backups = readdirSync(dir).filter((f) => f !== 'b.conf');
  assert.is(backups.length, 1);
  assert.match(backups[0], /^b\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
  assert.is(readFileSync(join(dir, backups[0]), 'utf8'), 'old\n');
  assert.is((statSync(join(dir, backups[0])).mode & 0o777).toString(8), '600');
  assert.is(statSync(join(dir, backups[0])).mtimeMs, 1577836800000);
});

test('write: a failed validation leaves the old file, no temp file, and runs the command once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const path = join(dir, 'c.conf');
  const log = join(dir, 'log');
  writeFileSync(path, 'good\n');
  const validate = `echo \`echo ran >> ${log}\` && grep -q good %s \\`;
  const r = run({ write: { path, content: 'bad\n', validate: validate.slice(0, -2) } });
  assert.is(r.status, 3);
  assert.match(r.stderr, /^validation failed: echo `echo ran >> .*log` && grep -q good %s: /);
  assert.is(readFileSync(path, 'utf8'), 'good\n');
  assert.is(readFileSync(log, 'utf8'), 'ran\n');
  assert.equal(readdirSync(dir).sort(), ['c.conf', 'log']);
});

test('write: content cut short (the input ended early) leaves the old file and no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const path = join(dir, 'd.conf');
  writeFileSync(path, 'old\n');
  const c = stepCommand({ write: { path, content: 'a complete new config\n' } }, undefined);
  const r = spawnSync('sh', ['-c', c.command], { input: 'a comp', encoding: 'utf8' });
  assert.is(r.status, 4);
  assert.match(r.stderr, `the content of ${path} arrived cut short: left as it was`);
  assert.is(readFileSync(path, 'utf8'), 'old\n');
  assert.equal(readdirSync(dir), ['d.conf']);
});

test('write: a directory at the path is an error; nothing is moved into it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w-'));
  const path = join(dir, 'conf.d');
  mkdirSync(path);
  const r = run({ write: { path, content: 'x\n' } });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /cannot overwrite directory|Is a directory/);
  assert.equal(readdirSync(path), []);
  assert.equal(readdirSync(dir), ['conf.d']);
});

test('exec: argv words reach the command unchanged, with cwd and env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e-'));
  const r = run({ exec: ['sh', '-c', 'printf "%s|%s|%s" "$1" "$PWD" "$X"', 'arg', "it's $(id) `x`"], cwd: dir, env: { X: 'a b' } });
  assert.is(r.stdout, `it's $(id) \`x\`|${dir}|a b`);
});

test('exec: a first word that looks like an assignment (X=1) is the program run, with or without env', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a-'));
  writeFileSync(join(dir, 'X=1'), '#!/bin/sh\necho "ran $1 A=$A"\n', { mode: 0o755 });
  const path = `${dir}:/usr/bin:/bin`;
  assert.is(run({ exec: ['X=1', 'hello'], env: { PATH: path, A: 'b c' } }).stdout, 'ran hello A=b c\n');
  const bare = run({ exec: ['X=1', 'true'] });
  assert.is(bare.status, 127, 'not `X=1 true`, which would succeed');
  assert.match(bare.stderr, /X=1: not found/);
});

test('exec: an environment variable name that the shell could misread is refused', () => {
  for (const name of ['A B', '1X', 'X;id', '']) {
    assert.throws(() => stepCommand({ exec: ['true'], env: { [name]: 'v' } }, undefined), /environment variable name/, name);
  }
});

test.run();
