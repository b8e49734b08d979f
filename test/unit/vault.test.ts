// Vault files in-process: the format (round trip, wrong password, every tampered part, header detection),
// the password sources, transparent loading (group_vars, host_vars, -e @file, with plaintext line numbers)
// and redaction: every vault variable is sensitive in what a run reports, whatever its name.
// Fixtures: test/fixtures/inventory/vault/ and extra-vars/vault.yml, password "fixture vault password".
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecipheriv, scryptSync } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/thrown.ts';
import { UserError } from '../../engine/errors.ts';
import { HostRun } from '../../engine/host-run.ts';
import { hostVars, loadInventory, varValues } from '../../engine/inventory/inventory.ts';
import { MASK, clearVaultVars, redactChange, sensitiveValues } from '../../engine/redact.ts';
import { formatResult, jsonReport, summarize } from '../../engine/report/report.ts';
import { loadAndValidate } from '../../engine/prepare.ts';
import { parseExtraVars, resolveVars } from '../../engine/vars/vars.ts';
import { registry } from '../../modules/index.ts';
import { VAULT_HEADER, decryptText, encryptText, isVault } from '../../engine/vault/vault.ts';
import { configureVault, readPasswordFile, vaultPassword } from '../../engine/vault/password.ts';

const PW = 'fixture vault password';
const INV = 'test/fixtures/inventory/vault';
const SECRETS = ['correct horse battery staple', 'Kq7-vault-only-0042', 'nested-vault-value', '918273', 'vault-w2-secret'];
const tmp = () => mkdtempSync(join(tmpdir(), 'vault-test-'));
const userError = (f: () => unknown) => thrown(UserError, f);

test.before.each(() => {
  configureVault({ password: PW });
  clearVaultVars();
});

test('round trip: header line, base64 lines of at most 76, a fresh salt and IV each time', () => {
  const plain = 'db_pass: "s3cret"\nlist:\n  - ünïcödé ✓\n'.repeat(20);
  const a = encryptText(plain, 'pw');
  const b = encryptText(plain, 'pw');
  const lines = a.split('\n');
  assert.is(lines[0], VAULT_HEADER);
  assert.is(lines.at(-1), '', 'ends with a newline');
  assert.ok(lines.slice(1, -1).every((l) => l.length <= 76 && /^[A-Za-z0-9+/=]+$/.test(l)));
  assert.is.not(a, b);
  const salt = (t: string) => Buffer.from(t.split('\n')[1], 'base64').subarray(0, 16).toString('hex');
  assert.is.not(salt(a), salt(b));
  assert.is(decryptText(a, 'pw', 'f.yml'), plain);
  assert.is(decryptText(b, 'pw', 'f.yml'), plain);
  assert.is(decryptText(encryptText('', 'pw'), 'pw', 'f'), '');
  assert.not.ok(a.includes('s3cret'));
});

test('a wrong password: one UserError naming the file, nothing of the plaintext', () => {
  const v = encryptText('token: very-secret-thing\n', 'right');
  const e = userError(() => decryptText(v, 'wrong', 'group_vars/web.yml'));
  assert.is(e.message, 'group_vars/web.yml: cannot decrypt: wrong vault password, or the file was changed after it was encrypted');
  assert.is(e.exitCode, 4);
  assert.is(userError(() => encryptText('x', '')).message, 'the vault password is empty');
});

test('a changed byte in the salt, the IV, the tag or the ciphertext is detected', () => {
  const v = encryptText('a: 1\nb: some longer plaintext to have ciphertext\n', 'pw');
  const [header, ...body] = v.trimEnd().split('\n');
  const blob = Buffer.from(body.join(''), 'base64');
  for (const [part, at] of [['salt', 3], ['iv', 20], ['tag', 33], ['ciphertext', 50], ['last byte', blob.length - 1]] as const) {
    const bad = Buffer.from(blob);
    bad[at] ^= 0x01;
    const e = userError(() => decryptText(`${header}\n${bad.toString('base64')}\n`, 'pw', 'f.yml'));
    assert.match(e.message, /^f\.yml: cannot decrypt: /, part);
  }
  assert.match(userError(() => decryptText(`${header}\n${blob.subarray(0, 40).toString('base64')}\n`, 'pw', 'f')).message, /truncated/);
  assert.match(userError(() => decryptText(`${header}\n${body[0]}\nnot base64!\n`, 'pw', 'f')).message, /^f: line 3 is not vault data/);
  assert.match(userError(() => decryptText(v.replace(';1;', ';2;'), 'pw', 'f')).message, /^f: vault format "\$PROVISION_VAULT;2;AES256GCM;scrypt;N=2\^17,r=8,p=1" is not supported/);
  assert.match(userError(() => decryptText(v.replace(body[0], body[0].slice(0, 70)), 'pw', 'f')).message, /^f: cannot decrypt/, 'a line cut short');
});

test('scrypt: a file written today names N=2^17, r=8, p=1 and its key really is derived so; a first-format file (N=2^15) still opens', () => {
  const v = encryptText('k: v\n', 'pw');
  const [header, ...body] = v.trimEnd().split('\n');
  assert.is(header, '$PROVISION_VAULT;1;AES256GCM;scrypt;N=2^17,r=8,p=1');
  // Decrypted here without the vault module: only a key from N=2^17 opens it.
  const blob = Buffer.from(body.join(''), 'base64');
  const open = (log2N: number) => {
    const key = scryptSync('pw', blob.subarray(0, 16), 32, { N: 2 ** log2N, r: 8, p: 1, maxmem: 256 * 2 ** 20 });
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(16, 28), { authTagLength: 16 });
    d.setAAD(Buffer.from(header));
    d.setAuthTag(blob.subarray(28, 44));
    return Buffer.concat([d.update(blob.subarray(44)), d.final()]).toString('utf8');
  };
  assert.is(open(17), 'k: v\n');
  assert.throws(() => open(15));
  const first = readFileSync('test/fixtures/inventory/vault/group_vars/web.yml', 'utf8');
  assert.is(first.split('\n')[0], '$PROVISION_VAULT;1;AES256GCM;scrypt', 'a fixture of the first format');
  assert.match(decryptText(first, PW, 'web.yml'), /\w+:/);
  // The parameters are authenticated, and bounded: a hostile header cannot ask for 2^30 or be lowered unnoticed.
  assert.match(userError(() => decryptText(v.replace('N=2^17', 'N=2^16'), 'pw', 'f')).message, /^f: cannot decrypt/);
  assert.match(userError(() => decryptText(v.replace('N=2^17', 'N=2^30'), 'pw', 'f')).message, /^f: vault format .* is not supported .*N=2\^14\.\.2\^20/);
});

test('header detection: by the first line only; CRLF and BOM tolerated; CRLF vault text decrypts', () => {
  const v = encryptText('x: 1\n', 'pw');
  assert.ok(isVault(v));
  assert.ok(isVault(Buffer.from(v)));
  assert.ok(isVault(v.replace(/\n/g, '\r\n')));
  assert.ok(isVault(`\uFEFF${v}`));
  assert.is(decryptText(v.replace(/\n/g, '\r\n'), 'pw', 'f'), 'x: 1\n');
  assert.not.ok(isVault('x: 1\n'));
  assert.not.ok(isVault(`# ${VAULT_HEADER}\n`));
  assert.not.ok(isVault(`x: 1\n${VAULT_HEADER}\n`));
  assert.not.ok(isVault(''));
  assert.match(userError(() => decryptText('x: 1\n', 'pw', 'f')).message, /^f: not a vault file/);
});

test('password sources: --vault-password-file (first line, mode warned) over the environment; read once', () => {
  const d = tmp();
  const f = join(d, 'pw');
  writeFileSync(f, 'from-file\r\nsecond line\n', { mode: 0o600 });
  const warnings: string[] = [];
  assert.is(readPasswordFile(f, (m) => warnings.push(m)), 'from-file');
  assert.equal(warnings, []);
  chmodSync(f, 0o644);
  readPasswordFile(f, (m) => warnings.push(m));
  assert.equal(warnings, [`vault password file ${f} can be read by others (mode 0644): chmod 600 ${f}`]);
  writeFileSync(join(d, 'empty'), '\nx\n', { mode: 0o600 });
  assert.is(userError(() => readPasswordFile(join(d, 'empty'))).message, `--vault-password-file ${join(d, 'empty')}: its first line is empty`);
  assert.is(userError(() => readPasswordFile(join(d, 'none'))).message, `--vault-password-file ${join(d, 'none')}: cannot read: ENOENT`);
  const env = process.env.PROVISION_VAULT_PASSWORD;
  try {
    process.env.PROVISION_VAULT_PASSWORD = 'from-env';
    configureVault({ passwordFile: f, warn: () => {} });
    assert.is(vaultPassword('x'), 'from-file');
    configureVault({});
    assert.is(vaultPassword('x'), 'from-env');
    process.env.PROVISION_VAULT_PASSWORD = 'changed';
    assert.is(vaultPassword('x'), 'from-env', 'asked once per run');
  } finally {
    if (env === undefined) delete process.env.PROVISION_VAULT_PASSWORD;
    else process.env.PROVISION_VAULT_PASSWORD = env;
    rmSync(d, { recursive: true });
  }
});

test('loadInventory: vault group_vars and host_vars decrypted in memory, sources with plaintext lines', () => {
  const inv = loadInventory(INV);
  const w2 = hostVars(inv, 'w2');
  assert.equal(varValues(w2), {
    app_dir: '/srv/app', greeting: 'hello', db_user: 'app', db_pass: 'correct horse battery staple', api_endpoint_key: 'Kq7-vault-only-0042',
    nested: { inner: 'nested-vault-value' }, pin: 918273, w2_only: 'vault-w2-secret',
  });
  assert.is(w2.db_pass.source, `${INV}/group_vars/web.yml:3 (vault)`);
  assert.is(w2.pin.source, `${INV}/group_vars/web.yml:7 (vault)`);
  assert.is(w2.w2_only.source, `${INV}/host_vars/w2.yml:1 (vault)`);
  assert.is(w2.greeting.source, `${INV}/group_vars/all.yml:1`);
});

test('vault variables are sensitive whatever their names; plain ones are not', () => {
  const vars = resolveVars(hostVars(loadInventory(INV), 'w1'));
  const secrets = sensitiveValues(vars);
  for (const s of SECRETS) assert.ok(secrets.includes(s), s);
  assert.not.ok(secrets.includes('hello'));
  assert.not.ok(secrets.includes('/srv/app'));
  const c = redactChange({ summary: 'run: echo Kq7-vault-only-0042 918273', steps: [], effects: [],
    diff: { path: '/etc/app.conf', before: 'key=old\n', after: 'pass=correct horse battery staple\n' } }, secrets);
  assert.is(c.summary, `run: echo ${MASK} ${MASK}`);
  assert.equal(c.diff, { path: '/etc/app.conf', before: null, after: null, note: 'it holds a sensitive value: not shown' });
});

test('a wrong password while loading: the error names the vault file', () => {
  configureVault({ password: 'not it' });
  assert.match(userError(() => loadInventory(INV)).message, /^test\/fixtures\/inventory\/vault\/group_vars\/web\.yml: cannot decrypt: wrong vault password/);
});

test('errors inside a vault file point at lines of its plaintext and show no value', () => {
  const d = tmp();
  try {
    writeFileSync(join(d, 'hosts.yml'), 'all:\n  hosts:\n    h1:\n');
    mkdirSync(join(d, 'group_vars'));
    writeFileSync(join(d, 'group_vars', 'all.yml'), encryptText('a: secret-aaaa\nb: secret-bbbb\nc: [unclosed\n', PW));
    const e = userError(() => loadInventory(d));
    // At the [ left open (3:4), where the parser stopped (4:1) said too.
    assert.match(e.message, /group_vars\/all\.yml:3:4: the \[ opened here is not closed \(the parser stopped at 4:1: /);
    assert.not.match(e.message, /secret-/);
    writeFileSync(join(d, 'group_vars', 'all.yml'), encryptText('# a list\n\n- secret-cccc\n', PW));
    assert.match(userError(() => loadInventory(d)).message, /group_vars\/all\.yml:3:1: a variables file must be a mapping of variables$/);
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('-e @vault-file: decrypted in memory, its variables sensitive', () => {
  const layer = parseExtraVars(['@test/fixtures/inventory/extra-vars/vault.yml']);
  assert.equal(layer.extra_vault_var, { value: 'from-extra-vault-file', source: '-e @test/fixtures/inventory/extra-vars/vault.yml (vault)' });
  assert.ok(sensitiveValues({}).includes('from-extra-vault-file'));
  configureVault({ password: 'nope' });
  assert.match(userError(() => parseExtraVars(['@test/fixtures/inventory/extra-vars/vault.yml'])).message, /vault\.yml: cannot decrypt/);
});

test('a check run of tasks using vault values: masked in every result, line and JSON document', async () => {
  const loaded = loadAndValidate({ playbook: 'test/fixtures/playbooks/vault.yml', inventory: INV }, registry);
  const play = loaded.plays[0];
  const conn = { exec: async () => { throw new Error('check mode with these tasks runs nothing'); } };
  const run = new HostRun('w2', conn, registry,
    { check: true, tags: [], skipTags: [], connUser: 'root', becomeUser: 'root' }, () => {});
  await run.runPlay(play, () => resolveVars(loaded.layerFor(play, 'w2'), { inventory_hostname: 'w2' }));
  assert.equal(run.results.map((r) => [r.status, r.changes.map((c) => c.summary)]), [
    ['changed', [`run: echo ${MASK} ${MASK} ${MASK}`]],
    ['changed', [`run: psql postgres://app:${MASK}@db/app`]],
    ['changed', ['run: echo hello']],
  ]);
  const outputs = [
    ...run.results.map((r) => formatResult('w2', r, true)),
    jsonReport({ w2: summarize(run.results) }, 1, true, true),
  ].join('\n');
  for (const s of SECRETS.slice(0, 4)) assert.not.ok(outputs.includes(s), s);
  assert.ok(outputs.includes(MASK));
});

test.run();
