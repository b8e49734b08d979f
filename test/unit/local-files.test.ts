// Local files the engine reads for a run: text files (playbooks, inventories, vars files, templates) refused
// over 10 MB before they are read, also from a pipe or a device; copy sources refused over their limit
// unread; `..` climbing out of the playbook's directory and the project, and symlink loops, said as such.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts, PlanContext } from '../../engine/module.ts';
import copy from '../../modules/copy/copy.ts';
import { MAX_COPY_SOURCE, MAX_TEXT_FILE, readLocalOnce, readTextFile, resolveLocal, tooLarge } from '../../engine/local-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'provision-local-'));
const efbig = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: NodeJS.ErrnoException) => e.code === 'EFBIG' && message.test(e.message) || (console.log(e.message), false));

test('a text file at the limit is read; one byte over is refused, unread', () => {
  const f = join(dir, 'edge.yml');
  writeFileSync(f, '');
  truncateSync(f, MAX_TEXT_FILE);
  assert.is(readTextFile(f, 'playbook').length, MAX_TEXT_FILE);
  truncateSync(f, MAX_TEXT_FILE + 1);
  efbig(() => readTextFile(f, 'playbook'), /^playbook is 10\.0 MB, over the limit of 10 MB: is it the right file\?$/);
});

test('a sparse 100 MB file is refused at once (its size, not its bytes)', () => {
  const f = join(dir, 'huge.yml');
  writeFileSync(f, '');
  truncateSync(f, 100 * 2 ** 20);
  const t0 = performance.now();
  efbig(() => readTextFile(f, 'vars file'), /^vars file is 100 MB, over the limit of 10 MB/);
  assert.ok(performance.now() - t0 < 100);
});

test('a device with no end (/dev/zero) is read up to the limit, not forever', () => {
  efbig(() => readTextFile('/dev/zero', 'vars file'), /^vars file goes on past the limit of 10 MB/);
});

test('a pipe (-e @<(...)) is read whole when it is small', async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'printf "a: 1\\n" > "$0"', fifo], { stdio: 'inherit' });
  assert.is(readTextFile(fifo, 'vars file'), 'a: 1\n');
  await new Promise((r) => writer.on('close', r));
});

test('readLocalOnce: a file over `max` is refused before it is read, named as the caller says', () => {
  const f = join(dir, 'big.bin');
  writeFileSync(f, '');
  truncateSync(f, MAX_COPY_SOURCE + 2 ** 20);
  efbig(() => readLocalOnce(f, { max: MAX_COPY_SOURCE, what: 'copy source "big.bin"' }), /^copy source "big\.bin" is 65 MB, over the limit of 64 MB/);
  writeFileSync(join(dir, 'small.txt'), 'hello');
  assert.is(readLocalOnce(join(dir, 'small.txt'), { max: MAX_COPY_SOURCE }).toString(), 'hello');
});

test('copy asks for its source with the copy limit (a src known only per host is checked when planned)', () => {
  let asked: unknown;
  const ctx = { readLocal: (_p: string, o?: unknown) => { asked = o; throw tooLarge('copy source "x"', 2 ** 27, MAX_COPY_SOURCE); } } as unknown as PlanContext;
  const facts = { get: () => ({ state: 'absent' }) } as unknown as Facts;
  assert.throws(() => copy.plan({ src: 'x', dest: '/tmp/x' }, facts, ctx), /copy source "x" is 128 MB, over the limit of 64 MB/);
  assert.equal(asked, { max: MAX_COPY_SOURCE, what: 'copy source' });
});

test('tooLarge says the size with a decimal only where it needs one', () => {
  assert.is(tooLarge('x', 100 * 2 ** 20, 64 * 2 ** 20).message, 'x is 100 MB, over the limit of 64 MB: is it the right file?');
  assert.is(tooLarge('x', 1.5 * 2 ** 20, 2 ** 20).message, 'x is 1.5 MB, over the limit of 1 MB: is it the right file?');
});

test('resolveLocal: a .. out of the playbook directory and the project is refused; inside either it is found', () => {
  const play = join(dir, 'project', 'playbooks');
  mkdirSync(join(play, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'project', 'files'));
  writeFileSync(join(dir, 'project', 'files', 'motd'), 'hi');
  assert.is(resolveLocal('../files/motd', play), join(dir, 'project', 'files', 'motd'));
  assert.throws(() => resolveLocal('../../../../../../../../etc/passwd', play), /climbs with "\.\." out of the playbook's directory and the project/);
  assert.throws(() => resolveLocal('templates/../../../../../../../../../etc/passwd', play), /climbs with "\.\."/);
  assert.is(resolveLocal('/etc/hostname', play), '/etc/hostname');
});

test('resolveLocal: a loop of symbolic links says so', () => {
  const play = join(dir, 'loop');
  mkdirSync(join(play, 'templates'), { recursive: true });
  symlinkSync('b', join(play, 'templates', 'a'));
  symlinkSync('a', join(play, 'templates', 'b'));
  assert.throws(() => resolveLocal('a', play), /local file "a" is a loop of symbolic links/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
