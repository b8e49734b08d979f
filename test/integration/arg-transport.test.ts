// Property test of argument transport on a real host: random strings (quotes, $(), backticks, newlines,
// control characters, unicode, leading dashes) as argv words, env values, a cwd, file paths and contents,
// through engine/steps.ts and engine/step-batch.ts (where every module's steps become command lines), as
// the connecting user, through sudo, and through a sudo that asks for a password (ansible_become_password, itself
// full of shell syntax). What arrives must equal what was sent, and no injected command runs. The same strings as
// modules' arguments, applied by `provision apply`: arg-transport-modules.test.ts.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Step } from '../../engine/module.ts';
import { stepBatch, splitSteps } from '../../engine/step-batch.ts';
import { stepCommand } from '../../engine/steps.ts';
import { SshConnection } from '../../engine/transport/ssh.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { randomArgs } from '../helpers/random-args.ts';

const test = suite('argument transport');
let ssh: SshConnection[] = [];
let lab: TestLab;
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const CASES = Number(process.env.PROPERTY_CASES ?? 150);
const PWNED = '/tmp/at-pwned';

useLab(test, 'at', 1, (l, s) => { lab = l; ssh = s; });

const { word, fileName, rnd } = randomArgs(SEED, PWNED);
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

test('no injected command ran; a NUL byte in an argument is refused before anything is sent', async () => {
  assert.is((await ssh[0].exec(`test -e ${PWNED}`)).code, 1, `${PWNED} exists: a fragment ran as a command (seed ${SEED})`);
  for (const step of [echo(['a\0b']), { exec: ['true'], env: { V: 'x\0y' } }, { write: { path: '/tmp/at/x\0y', content: 'z' } }] as Step[]) {
    assert.throws(() => stepCommand(step, undefined), /holds a NUL byte/);
  }
});

test.run();
