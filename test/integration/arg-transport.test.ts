// Property test of argument transport on a real host: random strings (quotes, $(), backticks, newlines,
// control characters, unicode, leading dashes) as argv words, env values, a cwd, file paths and contents,
// through engine/steps.ts and engine/step-batch.ts (where every module's steps become command lines), as
// the connecting user, through sudo, and through a sudo that asks for a password (ansible_become_password, itself
// full of shell syntax). What arrives must equal what was sent, and no injected command runs.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Step } from '../../engine/module.ts';
import { stepBatch, splitSteps } from '../../engine/step-batch.ts';
import { stepCommand } from '../../engine/steps.ts';
import { SshConnection } from '../../engine/transport/ssh.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('argument transport');
let ssh: SshConnection[] = [];
let lab: TestLab;
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const CASES = Number(process.env.PROPERTY_CASES ?? 150);
const PWNED = '/tmp/at-pwned';

useLab(test, 'at', 1, (l, s) => { lab = l; ssh = s; });

/** mulberry32: a seeded PRNG, so that a failure can be replayed with PROPERTY_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
const FRAGMENTS = [
  `$(touch ${PWNED})`, `\`touch ${PWNED}\``, `; touch ${PWNED}`, `' ; touch ${PWNED} ; '`, `" ; touch ${PWNED} ; "`, `\n touch ${PWNED}\n`,
  `$((1+1))`, '${HOME}', '$1', '$@', '*', '?', '~', '-rf', '--', '\\', '\\\\', "'", '"', '\n', '\r', '\t', ' ', '  ', '#', '!', '&&', '|', '>', '<',
  '{a,b}', '[x]', '%s', '%n', 'é', '中文', '😀', '\u202e', '\u00a0', '\x01', '\x1b[31m', '\x7f', '=', 'a=b', '-', '',
];
const ALNUM = 'abcXYZ019_./:@+,-';
/** A random string of fragments and plain characters. */
function word(max = 6): string {
  let s = '';
  for (let n = Math.floor(rnd() * max); n >= 0; n--) s += rnd() < 0.5 ? pick(FRAGMENTS) : pick([...ALNUM]);
  return s;
}
/** A random file name: anything but `/` and NUL, not `.` or `..`, not empty. */
const fileName = () => `f${word(4).replace(/\//g, '_')}`.slice(0, 200);
const bytes = (text: string) => Buffer.from(text, 'utf8');
/** atpw's sudo password: were any of it run by a shell, PWNED would appear. */
const SUDO_PW = `$(touch ${PWNED}) '"; \\ é 😀 -rf \`touch ${PWNED}\``;
/** As the connecting user, through sudo (root: no password), or as atpw through a sudo that asks for SUDO_PW. */
type Mode = 'user' | 'sudo' | 'password';
const modeOf = (): Mode => { const x = rnd(); return x < 0.2 ? 'sudo' : x < 0.4 ? 'password' : 'user'; };
const as = (m: Mode) => (m === 'sudo' ? { user: 'root' } : m === 'password' ? { user: 'root', password: SUDO_PW } : undefined);
let atpw: SshConnection;
const connOf = (m: Mode) => (m === 'password' ? atpw : ssh[0]);

/** argv echoed back NUL-separated: printf '%s\0' ARGS... */
const echo = (args: string[]): Step => ({ exec: ['printf', '%s\\0', ...args] });
const split = (out: string) => out.split('\0').slice(0, -1);

test.before(async () => {
  console.log(`argument transport: seed ${SEED}, ${CASES} cases (replay: PROPERTY_SEED=${SEED})`);
  await sh(ssh[0], `rm -f ${PWNED}; rm -rf /tmp/at && mkdir -p /tmp/at/files`);
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  await sh(ssh[0], `useradd -m -G sudo atpw && printf '%s\\n' ${q(`atpw:${SUDO_PW}`)} | chpasswd && mkdir -p /home/atpw/.ssh && `
    + 'cp /root/.ssh/authorized_keys /home/atpw/.ssh/ && chown -R atpw: /home/atpw/.ssh');
  atpw = await SshConnection.connect({ name: 'at-1 (atpw)', host: lab.hosts[0].address, user: 'atpw', privateKeyPath: lab.key, knownHostsPath: lab.knownHosts });
});

test.after(() => atpw?.close());

test('argv words arrive unchanged, one exec each, as the user and through sudo', async () => {
  for (let i = 0; i < CASES; i++) {
    const args = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => word());
    const m = modeOf();
    const c = stepCommand(echo(args), as(m));
    const r = await connOf(m).exec(c.command, { stdin: c.stdin });
    assert.is(r.code, 0, `case ${i} (seed ${SEED}): ${JSON.stringify(args)}: ${r.stderr}`);
    assert.equal(split(r.stdout), args, `case ${i} (seed ${SEED})`);
  }
});

test('env values and a cwd with random names arrive unchanged', async () => {
  for (let i = 0; i < CASES / 3; i++) {
    const value = word();
    const dir = `/tmp/at/${fileName()}`;
    const mk = stepCommand({ exec: ['mkdir', '-p', '--', dir] }, undefined);
    assert.is((await ssh[0].exec(mk.command)).code, 0, `mkdir ${JSON.stringify(dir)}`);
    const m = modeOf();
    const c = stepCommand({ exec: ['sh', '-c', 'printf "%s\\0%s\\0" "$PROP_VALUE" "$PWD"'], env: { PROP_VALUE: value }, cwd: dir }, as(m));
    const r = await connOf(m).exec(c.command, { stdin: c.stdin });
    assert.is(r.code, 0, r.stderr);
    assert.equal(split(r.stdout), [value, dir], `case ${i} (seed ${SEED})`);
  }
});

test('files with random paths and contents (binary too), written in batches, arrive unchanged', async () => {
  for (let i = 0; i < CASES / 5; i++) {
    const files = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({
      path: `/tmp/at/files/${fileName()}`,
      content: rnd() < 0.3 ? Buffer.from(Array.from({ length: Math.floor(rnd() * 3000) }, () => Math.floor(rnd() * 256))) : bytes(word(20)),
    }));
    const unique = [...new Map(files.map((f) => [f.path, f])).values()];
    const steps: Step[] = unique.flatMap((f) => [{ write: { path: f.path, content: f.content, mode: '0600' } }, { exec: ['sh', '-c', 'sha256sum < "$1"', 'hash', f.path] } as Step]);
    const m = modeOf();
    const b = stepBatch(steps, [], as(m))!;
    const r = await connOf(m).exec(b.command, { stdin: b.stdin });
    const results = splitSteps(b, r.stdout, r.stderr, r.code);
    assert.ok(results.every((s) => s.ok), `case ${i} (seed ${SEED}): ${JSON.stringify(results.find((s) => !s.ok))}`);
    for (const [k, f] of unique.entries()) {
      assert.is(results[2 * k + 1].stdout.split(' ')[0], createHash('sha256').update(f.content).digest('hex'), `case ${i}: ${JSON.stringify(f.path)}`);
    }
  }
});

test('module arguments end to end: random names, contents and lines through file, copy, lineinfile, blockinfile, cron, stat, wait_for and command on the host', async () => {
  const { provision } = await import('../helpers/cli.ts');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'at-mod-'));
  // Text a playbook holds as data: no template syntax (that is rendered, by design), no NUL (refused).
  const data = (s: string) => !/\{[{%#]/.test(s) && !s.includes('\0');
  const cases = Array.from({ length: Math.max(4, Math.round(CASES / 15)) }, () => ({ name: fileName(), content: word(12), line: word(6).replace(/[\r\n]/g, ' '), arg: word() }))
    .filter((c) => [c.name, c.content, c.line, c.arg].every(data));
  const q = JSON.stringify; // JSON strings are YAML strings
  const tasks = cases.flatMap((c, i) => [
    `    - name: touch ${i}\n      file: { path: ${q(`/tmp/at/mod/t-${c.name}`)}, state: touch }`,
    `    - name: copy ${i}\n      copy: { content: ${q(c.content)}, dest: ${q(`/tmp/at/mod/c-${i}`)} }`,
    `    - name: line ${i}\n      lineinfile: { path: /tmp/at/mod/lines, line: ${q(c.line)}, create: true }`,
    `    - name: argv ${i}\n      command: { argv: [sh, -c, 'printf "%s\\0" "$1" >> /tmp/at/mod/argv', argv, ${q(c.arg)}] }`,
    `    - name: block ${i}\n      blockinfile: { path: ${q(`/tmp/at/mod/b-${i}`)}, create: true, block: ${q(c.content)} }`,
    `    - name: cron ${i}\n      cron: { name: ${q(c.line)}, job: ${q(c.line)}, user: root, cron_file: ${q(`at-${i}`)}, disabled: true }`,
    `    - name: stat ${i}\n      stat: { path: ${q(`/tmp/at/mod/t-${c.name}`)} }\n      register: st`,
    `    - name: seen ${i}\n      assert: { that: [st.stat.exists, st.stat.isreg] }`,
    `    - name: wait ${i}\n      wait_for: { path: ${q(`/tmp/at/mod/c-${i}`)}, timeout: 5 }`,
  ]);
  const pb = join(dir, 'site.yml');
  // cron needs crontab, even for a file of /etc/cron.d, as Ansible's does. Its jobs are written disabled: cron
  // would run a job holding `touch /tmp/at-pwned` (as it should: a job is a command), which is no injection.
  const prelude = '    - name: cron\n      apt: { name: cron, update_cache: true, cache_valid_time: 3600 }\n    - name: dir\n      file: { path: /tmp/at/mod, state: directory }';
  writeFileSync(pb, `- hosts: all\n  tasks:\n${prelude}\n${tasks.join('\n')}\n`);
  const r = await provision(['apply', pb, '-i', lab.inventory]);
  assert.is(r.code, 0, `seed ${SEED}: ${r.stdout}${r.stderr}`);
  const names = split(await sh(ssh[0], "find /tmp/at/mod -maxdepth 1 -name 't-*' -printf '%f\\0'")).sort();
  assert.equal(names, [...new Set(cases.map((c) => `t-${c.name}`))].sort(), `seed ${SEED}`);
  for (const [i, c] of cases.entries()) assert.is(await sh(ssh[0], `cat /tmp/at/mod/c-${i}`), c.content, `seed ${SEED} copy ${i}`);
  assert.equal((await sh(ssh[0], 'cat /tmp/at/mod/lines')).split('\n').slice(0, -1), [...new Set(cases.map((c) => c.line))], `seed ${SEED}`);
  assert.equal(split(await sh(ssh[0], 'cat /tmp/at/mod/argv')), cases.map((c) => c.arg), `seed ${SEED}`);
  for (const [i, c] of cases.entries()) {
    const block = await sh(ssh[0], `cat /tmp/at/mod/b-${i}`);
    assert.ok(block.includes(`${c.content.replace(/\n$/, '')}\n`), `seed ${SEED} block ${i}: ${JSON.stringify(block)}`);
    const cron = await sh(ssh[0], `cat /etc/cron.d/at-${i}`);
    assert.ok(cron.includes(`#Ansible: ${c.line}\n`) && cron.includes(` root ${c.line}\n`), `seed ${SEED} cron ${i}: ${JSON.stringify(cron)}`);
  }
});

test('no injected command ran; a NUL byte in an argument is refused before anything is sent', async () => {
  assert.is((await ssh[0].exec(`test -e ${PWNED}`)).code, 1, `${PWNED} exists: a fragment ran as a command (seed ${SEED})`);
  for (const step of [echo(['a\0b']), { exec: ['true'], env: { V: 'x\0y' } }, { write: { path: '/tmp/at/x\0y', content: 'z' } }] as Step[]) {
    assert.throws(() => stepCommand(step, undefined), /holds a NUL byte/);
  }
});

test.run();
