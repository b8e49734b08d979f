// Ansible Vault read unchanged: whole files (formats 1.1 and 1.2 with a label) and `!vault` values written by real
// `ansible-vault` (test/fixtures/ansible-vault/, password below), a wrong password or a changed byte refused
// without plaintext, what provision writes in Ansible's format read back by `ansible-vault`, inline values masked,
// an executable password file run as Ansible runs it, and `provision vault edit` keeping Ansible's format.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../engine/errors.ts';
import { hostVars, loadInventory, varValues } from '../../engine/inventory/inventory.ts';
import { clearVaultVars, sensitiveValues } from '../../engine/redact.ts';
import { decryptAnsible, encryptAnsible, isAnsibleVault } from '../../engine/vault/ansible-format.ts';
import { configureVault, readPasswordFile } from '../../engine/vault/password.ts';
import { decryptText, isVault } from '../../engine/vault/vault.ts';
import { varsOfText } from '../../engine/vars/vars-file.ts';
import { YamlSyntaxError } from '../../engine/yaml/positions.ts';
import { provision } from '../helpers/cli.ts';
import { thrown } from '../helpers/thrown.ts';

const PW = 'fixture ansible vault password';
const DIR = 'test/fixtures/ansible-vault';
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const tmp = () => mkdtempSync(join(tmpdir(), 'ansible-vault-'));

test.before.each(() => {
  configureVault({ password: PW });
  clearVaultVars();
});

test('files ansible-vault wrote: 1.1 and 1.2 with a label, through the same decryptText as provision\'s own', () => {
  for (const name of ['whole-1.1.yml', 'labelled-1.2.yml']) assert.ok(isVault(read(name)) && isAnsibleVault(read(name)), name);
  assert.is(decryptText(read('whole-1.1.yml'), PW, 'w.yml'), 'db_password: "Av-file-secret-77"\nlisten_port: 8080\n');
  assert.is(decryptAnsible(read('labelled-1.2.yml'), PW, 'l.yml'), 'api_token: Av-labelled-secret-31\n');
  assert.not.ok(isVault(read('inline.yml')), 'a plain file with a !vault value is no vault file');
});

test('a wrong password, a changed byte, a damaged body, another cipher: one line naming the file, no plaintext', () => {
  const text = read('whole-1.1.yml');
  const wrong = thrown(UserError, () => decryptAnsible(text, 'not it', 'w.yml'));
  assert.is(wrong.message, 'w.yml: cannot decrypt: wrong vault password, or the file was changed after it was encrypted');
  const lines = text.split('\n');
  const flip = (l: string) => l.slice(0, 10) + (l[10] === '3' ? '4' : '3') + l.slice(11);
  for (const at of [1, 3, lines.length - 2]) {
    const changed = lines.map((l, i) => (i === at ? flip(l) : l)).join('\n');
    const e = thrown(UserError, () => decryptAnsible(changed, PW, 'w.yml'));
    assert.not.ok(e.message.includes('Av-file-secret'), e.message);
    assert.match(e.message, /^w\.yml: (cannot decrypt|the vault data is damaged)/);
  }
  assert.match(thrown(UserError, () => decryptAnsible(text.replace(/\n3/, '\nzz'), PW, 'w.yml')).message, 'not hex');
  assert.match(thrown(UserError, () => decryptAnsible(text.replace('AES256', 'AES128'), PW, 'w.yml')).message, 'is not supported');
});

test('what provision encrypts in Ansible\'s format, ansible-vault decrypts', () => {
  const dir = tmp();
  const plain = 'password: "ünïcödé and spaces"\nlist: [1, 2]\n';
  writeFileSync(join(dir, 'pw'), `${PW}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'f.yml'), encryptAnsible(plain, PW));
  assert.ok(readFileSync(join(dir, 'f.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.1;AES256\n'));
  const r = spawnSync('ansible-vault', ['view', '--vault-password-file', join(dir, 'pw'), join(dir, 'f.yml')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, plain);
});

test('a !vault value in a vars file is its plaintext, masked from then on', () => {
  const vars = varsOfText(read('inline.yml'), false, 'inline.yml');
  assert.equal(vars, { plain_name: 'web', app_secret: 'Av-inline-secret-54', after: 1 });
  assert.ok(sensitiveValues({}).includes('Av-inline-secret-54'), 'masked in every output, whatever the variable is called');
  assert.not.ok(sensitiveValues({}).includes('web'));
});

test('a !vault value that cannot be read: FILE:LINE:COL of the value, and why', () => {
  configureVault({ password: 'not it' });
  const e = thrown(YamlSyntaxError, () => varsOfText(read('inline.yml'), false, 'inline.yml'));
  assert.is(e.message, 'inline.yml:2:13: a !vault value: cannot decrypt: wrong vault password, or the file was changed after it was encrypted');
  configureVault({ password: PW });
  const plain = thrown(YamlSyntaxError, () => varsOfText('a: 1\nb: !vault not-vault-text\n', false, 'v.yml'));
  assert.is(plain.message, 'v.yml:2:4: a !vault value holds Ansible Vault text ($ANSIBLE_VAULT;1.1;AES256, then hex lines)');
});

test('an inventory\'s group_vars encrypted by ansible-vault, and a host var given as a !vault value', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'group_vars'));
  writeFileSync(join(dir, 'hosts.yml'), `all:\n  hosts:\n    web1:\n      token: ${read('inline.yml').split('\n').slice(1, 8).join('\n      ').replace('app_secret: ', '')}\n`);
  writeFileSync(join(dir, 'group_vars', 'all.yml'), read('whole-1.1.yml'));
  const v = varValues(hostVars(loadInventory(dir), 'web1'));
  assert.is(v.db_password, 'Av-file-secret-77');
  assert.is(v.listen_port, 8080);
  assert.is(v.token, 'Av-inline-secret-54');
});

test('an executable password file is run: its output is the password; a failing one is one line, nothing it printed', () => {
  const dir = tmp();
  const script = join(dir, 'pass.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\r\\n' '${PW}'\n`);
  chmodSync(script, 0o700);
  assert.is(readPasswordFile(script), PW);
  writeFileSync(script, '#!/bin/sh\necho "store locked: hunter2" >&2\nexit 3\n');
  assert.is(thrown(UserError, () => readPasswordFile(script)).message, `--vault-password-file ${script}: the script exited 3`);
  writeFileSync(script, '#!/bin/sh\n');
  assert.is(thrown(UserError, () => readPasswordFile(script)).message, `--vault-password-file ${script}: the script printed no password`);
});

test('vault view reads an Ansible file; vault edit writes it back in Ansible\'s format, which ansible-vault reads', async () => {
  const dir = tmp();
  const f = join(dir, 'secrets.yml');
  writeFileSync(f, read('whole-1.1.yml'), { mode: 0o600 });
  const env = { PROVISION_VAULT_PASSWORD: PW };
  assert.is((await provision(['vault', 'view', f], { env })).stdout, 'db_password: "Av-file-secret-77"\nlisten_port: 8080\n');
  const editor = join(dir, 'ed.sh');
  writeFileSync(editor, '#!/bin/sh\necho "added: yes" >> "$1"\n', { mode: 0o755 });
  const r = await provision(['vault', 'edit', f], { env: { ...env, EDITOR: editor } });
  assert.is(r.code, 0, r.stderr);
  assert.ok(readFileSync(f, 'utf8').startsWith('$ANSIBLE_VAULT;1.1;AES256\n'));
  writeFileSync(join(dir, 'pw'), `${PW}\n`, { mode: 0o600 });
  const a = spawnSync('ansible-vault', ['view', '--vault-password-file', join(dir, 'pw'), f], { encoding: 'utf8' });
  assert.is(a.stdout, 'db_password: "Av-file-secret-77"\nlisten_port: 8080\nadded: yes\n', a.stderr);
});

test.run();
