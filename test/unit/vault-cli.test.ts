// `provision vault encrypt|decrypt|view|edit` and vault files met by apply, validate and vars, as a user runs
// them (child processes): the password from --vault-password-file, the environment, or a prompt on a terminal
// (through script(1), when it is there); what is written, what is refused; no vault value in any output.
// Fixtures: test/fixtures/inventory/vault/ (password "fixture vault password"), test/fixtures/playbooks/vault.yml.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';

const PW = 'fixture vault password';
const INV = 'test/fixtures/inventory/vault';
const PLAYBOOK = 'test/fixtures/playbooks/vault.yml';
const SECRETS = ['correct horse battery staple', 'Kq7-vault-only-0042', 'nested-vault-value', '918273', 'vault-w2-secret'];
const HEADER = '$PROVISION_VAULT;1;AES256GCM;scrypt;N=2^17,r=8,p=1\n';
const PLAIN = 'db_password: hunter2-but-longer\nlist: [a, b]\n';
const bin = new URL('../../bin/provision.js', import.meta.url).pathname;

const env = (password?: string) => ({ PROVISION_VAULT_PASSWORD: password });
let dir = '';
const file = (name: string, text?: string, mode = 0o644) => {
  const p = join(dir, name);
  if (text !== undefined) {
    writeFileSync(p, text);
    chmodSync(p, mode);
  }
  return p;
};
const bytes = (p: string) => readFileSync(p, 'utf8');
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'vault-cli-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test('encrypt, view, decrypt: in place, 0600 while encrypted, the same bytes back', async () => {
  const f = file('secrets.yml', PLAIN);
  let r = await provision(['vault', 'encrypt', f], { env: env('pw-one') });
  assert.equal(r, { code: 0, stdout: `encrypted ${f}\n`, stderr: '' });
  assert.ok(bytes(f).startsWith(HEADER));
  assert.not.ok(bytes(f).includes('hunter2'));
  assert.is(mode(f), '600');
  r = await provision(['vault', 'view', f], { env: env('pw-one') });
  assert.equal(r, { code: 0, stdout: PLAIN, stderr: '' });
  r = await provision(['vault', 'decrypt', f], { env: env('pw-one') });
  assert.equal(r, { code: 0, stdout: `decrypted ${f}\n`, stderr: '' });
  assert.is(bytes(f), PLAIN);
});

test('encrypting a vault file, decrypting or viewing a plain one: refused, nothing written', async () => {
  const plain = file('plain.yml', PLAIN);
  for (const cmd of ['decrypt', 'view', 'edit']) {
    const r = await provision(['vault', cmd, plain], { env: env('pw') });
    assert.equal(r, { code: 4, stdout: '', stderr: `provision: ${plain} is not a vault file (encrypt it with: provision vault encrypt ${plain})\n` }, cmd);
  }
  await provision(['vault', 'encrypt', plain], { env: env('pw') });
  const before = bytes(plain);
  const r = await provision(['vault', 'encrypt', plain], { env: env('pw') });
  assert.equal(r, { code: 4, stdout: '', stderr: `provision: ${plain} is already a vault file\n` });
  assert.is(bytes(plain), before);
  assert.is((await provision(['vault', 'view', file('none.yml')], { env: env('pw') })).stderr, `provision: ${file('none.yml')}: cannot read: ENOENT\n`);
});

test('a wrong password or a changed byte: one line naming the file, exit 4, no plaintext, file untouched', async () => {
  const f = file('s.yml', PLAIN);
  await provision(['vault', 'encrypt', f], { env: env('right') });
  const before = bytes(f);
  const why = `provision: ${f}: cannot decrypt: wrong vault password, or the file was changed after it was encrypted\n`;
  for (const cmd of ['view', 'decrypt', 'edit']) {
    const r = await provision(['vault', cmd, f], { env: { ...env('wrong'), EDITOR: 'false' } });
    assert.equal(r, { code: 4, stdout: '', stderr: why }, cmd);
    assert.is(bytes(f), before);
  }
  const lines = before.split('\n');
  lines[1] = (lines[1][0] === 'A' ? 'B' : 'A') + lines[1].slice(1);
  writeFileSync(f, lines.join('\n'));
  assert.equal(await provision(['vault', 'view', f], { env: env('right') }), { code: 4, stdout: '', stderr: why });
});

test('--vault-password-file: its first line, over the environment; readable by others is warned about', async () => {
  const f = file('s.yml', PLAIN);
  const pwFile = file('pw.txt', 'from-file\nignored\n', 0o600);
  assert.equal(await provision(['vault', 'encrypt', f, '--vault-password-file', pwFile], { env: env('from-env') }),
    { code: 0, stdout: `encrypted ${f}\n`, stderr: '' });
  assert.is((await provision(['vault', 'view', f], { env: env('from-env') })).code, 4, 'not the environment\'s password');
  assert.is((await provision(['vault', 'view', f], { env: env('from-file') })).stdout, PLAIN);
  chmodSync(pwFile, 0o640);
  const r = await provision(['vault', 'view', f, '--vault-password-file', pwFile], { env: env(undefined) });
  assert.equal(r, { code: 0, stdout: PLAIN,
    stderr: `provision: warning: vault password file ${pwFile} can be read by others (mode 0640): chmod 600 ${pwFile}\n` });
});

test('no password given and no terminal to ask on: a clear error, exit 4', async () => {
  const f = file('s.yml', PLAIN);
  await provision(['vault', 'encrypt', f], { env: env('pw') });
  const r = await provision(['vault', 'view', f], { env: env(undefined), detached: true });
  assert.equal(r, { code: 4, stdout: '', stderr: `provision: ${f} needs the vault password, and there is no terminal to ask it on: `
    + 'give --vault-password-file FILE or set PROVISION_VAULT_PASSWORD\n' });
});

/** Runs provision on a pseudo-terminal (script(1)); `typed` is typed on it, once `after` has been shown if given. */
function onTerminal(args: string[], typed: string, after?: string): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, PROVISION_VAULT_PASSWORD: '' } });
    let out = '';
    const type = () => child.stdin.end(typed);
    if (after === undefined) type();
    child.stdout.on('data', (d) => {
      out += d;
      if (after !== undefined && out.includes(after) && child.stdin.writable) type();
    });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.replace(/\r/g, '') }));
  });
}

const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');

test('a prompt on the terminal: echo off, asked twice to encrypt, once to view', async () => {
  if (!hasScript) return console.log('  (script(1) not installed: prompt not tested)');
  const f = file('s.yml', PLAIN);
  let r = await onTerminal(['vault', 'encrypt', f], 'typed-pw\ntyped-pw\n');
  assert.match(r.out, /New vault password \(for .*s\.yml\): \nConfirm new vault password: \nencrypted /);
  assert.ok(bytes(f).startsWith(HEADER));
  r = await onTerminal(['vault', 'view', f], 'typed-pw\n', 'Vault password');
  assert.is(r.out, `Vault password (for ${f}): \n${PLAIN}`);
  assert.not.ok(r.out.includes('typed-pw'), 'not echoed');
  const g = file('g.yml', PLAIN);
  r = await onTerminal(['vault', 'encrypt', g], 'one\ntwo\n');
  assert.match(r.out, /provision: the vault passwords do not match/);
  assert.is(bytes(g), PLAIN);
});

/** An $EDITOR: records the file it got (path, mode, its directory's mode), then runs `then` on it. */
const editor = (then: string) => {
  const log = file('editor.log');
  return { log, path: file('editor.sh', `#!/bin/sh\nprintf '%s %s %s\\n' "$1" "$(stat -c %a "$1")" "$(stat -c %a "$(dirname "$1")")" > ${log}\n${then}\n`, 0o755) };
};

test('edit: a private 0600 temp file for $EDITOR, re-encrypted when changed, the temp file removed', async () => {
  const f = file('app.yml', PLAIN);
  await provision(['vault', 'encrypt', f], { env: env('pw') });
  const ed = editor('echo "added: line" >> "$1"');
  const r = await provision(['vault', 'edit', f], { env: { ...env('pw'), EDITOR: ed.path } });
  assert.equal(r, { code: 0, stdout: `encrypted ${f}\n`, stderr: '' });
  const [tmp, tmpMode, dirMode] = bytes(ed.log).trim().split(' ');
  assert.ok(tmp.endsWith('/app.yml') && !tmp.startsWith(dir), tmp);
  assert.equal([tmpMode, dirMode], ['600', '700']);
  assert.not.ok(existsSync(tmp));
  assert.ok(bytes(f).startsWith(HEADER));
  assert.is(mode(f), '600');
  assert.is((await provision(['vault', 'view', f], { env: env('pw') })).stdout, `${PLAIN}added: line\n`);
});

test('edit without a change leaves the file byte for byte; a failing editor leaves it too, temp file gone', async () => {
  const f = file('app.yml', PLAIN);
  await provision(['vault', 'encrypt', f], { env: env('pw') });
  const before = bytes(f);
  let ed = editor('true');
  let r = await provision(['vault', 'edit', f], { env: { ...env('pw'), EDITOR: ed.path } });
  assert.equal(r, { code: 0, stdout: `${f}: no change\n`, stderr: '' });
  assert.is(bytes(f), before);
  assert.not.ok(existsSync(bytes(ed.log).split(' ')[0]));
  ed = editor('echo changed >> "$1"; exit 3');
  r = await provision(['vault', 'edit', f], { env: { ...env('pw'), EDITOR: ed.path } });
  assert.equal(r, { code: 1, stdout: '', stderr: `provision: the editor exited with code 3: ${f} is unchanged\n` });
  assert.is(bytes(f), before);
  assert.not.ok(existsSync(bytes(ed.log).split(' ')[0]));
});

test('vars HOST: vault values masked, their sources marked (vault)', async () => {
  const r = await provision(['vars', 'w2', '-i', INV], { env: env(PW) });
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l.includes('(vault)')), [
    `api_endpoint_key  "********"  # ${INV}/group_vars/web.yml:4 (vault)`,
    `db_pass           "********"  # ${INV}/group_vars/web.yml:3 (vault)`,
    `db_user           "********"  # ${INV}/group_vars/web.yml:2 (vault)`,
    `nested            "********"  # ${INV}/group_vars/web.yml:5 (vault)`,
    `pin               "********"  # ${INV}/group_vars/web.yml:7 (vault)`,
    `w2_only           "********"  # ${INV}/host_vars/w2.yml:1 (vault)`,
  ]);
  assert.match(r.stdout, /greeting +"hello"/);
  const json = await provision(['vars', 'w2', '-i', INV, '--json'], { env: env(PW) });
  for (const s of SECRETS) assert.not.ok(json.stdout.includes(s), s);
});

test('validate: the vault password from a file; a wrong one names the vault file', async () => {
  const pwFile = file('pw', `${PW}\n`, 0o600);
  let r = await provision(['validate', PLAYBOOK, '-i', INV, '--vault-password-file', pwFile], { env: env(undefined) });
  assert.equal(r, { code: 0, stdout: `${PLAYBOOK}: 1 play(s), 3 task(s): valid\n`, stderr: '' });
  r = await provision(['validate', PLAYBOOK, '-i', INV], { env: env('wrong') });
  assert.is(r.code, 4);
  assert.is(r.stderr, `provision: ${INV}/group_vars/web.yml: cannot decrypt: wrong vault password, or the file was changed after it was encrypted\n`);
});

test('apply --check (--json, text, --diff) loads vault files and shows none of their values', async () => {
  // These hosts have no SSH key: the run gets as far as connecting (every file loaded and checked), then stops.
  const pwFile = file('pw', `${PW}\n`, 0o600);
  for (const extra of [['--json'], [], ['--diff'], ['--json', '--diff']]) {
    const r = await provision(['apply', PLAYBOOK, '-i', INV, '--check', '--vault-password-file', pwFile,
      '-e', '@test/fixtures/inventory/extra-vars/vault.yml', ...extra], { env: { ...env(undefined), SSH_AUTH_SOCK: '', HOME: dir } });
    assert.is(r.code, 1, r.stderr);
    if (extra.includes('--json')) assert.equal(Object.keys(JSON.parse(r.stdout).hosts), ['w1', 'w2']);
    else assert.match(r.stdout, /unreachable w1: no key: set ansible_ssh_private_key_file/);
    for (const s of [...SECRETS, 'from-extra-vault-file']) assert.not.ok(r.stdout.includes(s) || r.stderr.includes(s), `${s} in ${extra}`);
  }
});

test.run();
