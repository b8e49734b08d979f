// known_hosts: names with ports, plain and hashed entries, fingerprints, strict checking, --accept-new, @revoked.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint, keysFor, keyType, knownHostsFiles, knownHostsName, verifyHostKey } from '../../engine/transport/known-hosts.ts';

const KEY_A = Buffer.from('key-a').toString('base64');
const KEY_B = Buffer.from('key-b').toString('base64');

test('names off port 22 are bracketed', () => {
  assert.is(knownHostsName('10.0.0.1'), '10.0.0.1');
  assert.is(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('plain entries, lists of names, comments and markers', () => {
  const text = [
    '# comment',
    `10.0.0.1 ssh-ed25519 ${KEY_A}`,
    `web,10.0.0.2 ssh-ed25519 ${KEY_B} root@web`,
    `@revoked 10.0.0.1 ssh-ed25519 ${KEY_B}`,
    '',
  ].join('\n');
  const a = keysFor(text, '10.0.0.1');
  assert.is(a.length, 1);
  assert.is(a[0].type, 'ssh-ed25519');
  assert.is(a[0].key.toString(), 'key-a');
  assert.is(a[0].line, 2);
  assert.is(keysFor(text, '10.0.0.2')[0].key.toString(), 'key-b');
  assert.is(keysFor(text, 'web').length, 1);
  assert.is(keysFor(text, '10.0.0.3').length, 0);
  assert.is(keysFor(text, '[10.0.0.1]:2222').length, 0);
});

test('hashed entries (HashKnownHosts) match their host only', () => {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update('10.0.0.9').digest('base64');
  const text = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${KEY_A}\n`;
  assert.is(keysFor(text, '10.0.0.9').length, 1);
  assert.is(keysFor(text, '10.0.0.8').length, 0);
});

/** An SSH public key blob: a length-prefixed type, then the key. */
const blob = (type: string, body: Buffer) => {
  const t = Buffer.from(type);
  const n = Buffer.alloc(4);
  n.writeUInt32BE(t.length);
  return Buffer.concat([n, t, body]);
};
const ED_A = blob('ssh-ed25519', randomBytes(36));
const ED_B = blob('ssh-ed25519', randomBytes(36));
const line = (name: string, key: Buffer) => `${name} ${keyType(key)} ${key.toString('base64')}`;

test('a key blob names its type; fingerprints are OpenSSH SHA256, unpadded', () => {
  assert.is(keyType(ED_A), 'ssh-ed25519');
  assert.is(keyType(Buffer.from('xx')), 'unknown');
  assert.match(fingerprint(ED_A), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('strict: a listed key passes, a host listed nowhere is refused, and nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const inv = join(dir, 'inv_known_hosts');
  const user = join(dir, 'user_known_hosts');
  writeFileSync(user, `${line('10.0.0.1', ED_A)}\n`);
  const files = knownHostsFiles(inv, user);
  assert.equal(files, [inv, user]);
  assert.equal(verifyHostKey(files, '10.0.0.1', ED_A), { ok: true }, 'the user\'s own file is consulted too');
  const unknown = verifyHostKey(files, '10.0.0.2', ED_A);
  assert.is(unknown.ok, false);
  assert.match((unknown as { why: string }).why, /no host key for 10\.0\.0\.2 in .*inv_known_hosts or .*user_known_hosts.*--accept-new/);
  assert.is(readFileSync(user, 'utf8'), `${line('10.0.0.1', ED_A)}\n`);
});

test('--accept-new records a first key in the first file (0600), then holds it; a changed key fails either way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const inv = join(dir, 'sub', 'known_hosts');
  const user = join(dir, 'user');
  writeFileSync(user, 'no-newline-at-end ssh-ed25519 AAAA');
  const v = verifyHostKey([inv, user], '[10.0.0.3]:2222', ED_A, true);
  assert.ok(v.ok);
  assert.match((v as { recorded: string }).recorded, new RegExp(`new host key ssh-ed25519 ${fingerprint(ED_A).replace(/[+/]/g, '\\$&')} accepted and recorded in ${inv}`));
  assert.is(readFileSync(inv, 'utf8'), `${line('[10.0.0.3]:2222', ED_A)}\n`);
  assert.is(statSync(inv).mode & 0o777, 0o600);
  assert.equal(verifyHostKey([inv, user], '[10.0.0.3]:2222', ED_A), { ok: true });
  for (const acceptNew of [false, true]) {
    const changed = verifyHostKey([inv, user], '[10.0.0.3]:2222', ED_B, acceptNew);
    assert.is(changed.ok, false);
    const why = (changed as { why: string }).why;
    assert.match(why, 'has CHANGED');
    assert.match(why, fingerprint(ED_B));
    assert.match(why, `${inv} line 1 lists ssh-ed25519 ${fingerprint(ED_A)}`);
    assert.match(why, `ssh-keygen -R [10.0.0.3]:2222 -f ${inv}`);
  }
  assert.is(readFileSync(inv, 'utf8').split('\n').length, 2, 'nothing more recorded');
  // A first key recorded in a file without a final newline starts a line of its own.
  assert.ok(verifyHostKey([user], 'h', ED_B, true).ok);
  assert.is(readFileSync(user, 'utf8'), `no-newline-at-end ssh-ed25519 AAAA\n${line('h', ED_B)}\n`);
});

test('a key marked @revoked is refused even when also listed plainly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const f = join(dir, 'known_hosts');
  writeFileSync(f, `${line('h1', ED_A)}\n@revoked ${line('h1', ED_A)}\n`);
  const v = verifyHostKey([f], 'h1', ED_A, true);
  assert.is(v.ok, false);
  assert.match((v as { why: string }).why, /marked @revoked in .* line 2/);
});

test.run();
