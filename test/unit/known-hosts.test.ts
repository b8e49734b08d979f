// known_hosts: names with ports, plain and hashed entries, fingerprints, strict checking, --accept-new, @revoked;
// OpenSSH's patterns (wildcards, negation, case, [host]:port), every @revoked form, @cert-authority refused clearly.
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

/** A known_hosts file of these lines; the verdict for `name` presenting `key`. */
function verdict(lines: string[], name: string, key: Buffer, acceptNew = false) {
  const f = join(mkdtempSync(join(tmpdir(), 'kh-')), 'known_hosts');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return { ...verifyHostKey([f], name, key, acceptNew), file: f };
}
const why = (v: { ok: boolean }) => (v as { why?: string }).why ?? '';

test('host patterns: * and ?, lists, and a matching !negation excludes the line whatever else matches', () => {
  const text = [line('10.0.0.*', ED_A), line('10.1.0.?', ED_A), line('!10.2.0.7,10.2.0.*', ED_A), line('10.3.0.*,!10.3.0.7', ED_A),
    line('!web', ED_A), line('db?.lab,*.db.lab', ED_A)].join('\n');
  assert.is(keysFor(text, '10.0.0.7').length, 1);
  assert.is(keysFor(text, '10.0.1.7').length, 0);
  assert.is(keysFor(text, '10.1.0.7').length, 1);
  assert.is(keysFor(text, '10.1.0.17').length, 0, '? is one character');
  assert.is(keysFor(text, '10.2.0.7').length, 0, 'negated first');
  assert.is(keysFor(text, '10.2.0.8').length, 1);
  assert.is(keysFor(text, '10.3.0.7').length, 0, 'negated after a positive match');
  assert.is(keysFor(text, 'web').length, 0, 'a negation alone matches nothing');
  assert.is(keysFor(text, 'other').length, 0);
  assert.is(keysFor(text, 'db1.lab').length, 1);
  assert.is(keysFor(text, 'a.db.lab').length, 1);
  assert.ok(verdict([line('10.0.0.*', ED_A)], '10.0.0.7', ED_A).ok);
  assert.not.ok(verdict([line('!10.0.0.7,10.0.0.*', ED_A)], '10.0.0.7', ED_A).ok);
});

test('host names and patterns compare without regard to case', () => {
  assert.ok(verdict([line('Web.Example.COM', ED_A)], 'web.example.com', ED_A).ok);
  assert.ok(verdict([line('web.example.com', ED_A)], 'WEB.Example.com', ED_A).ok);
  assert.ok(verdict([line('*.EXAMPLE.com', ED_A)], 'Db.example.COM', ED_A).ok);
  assert.is(knownHostsName('Web.Example.COM', 2222), '[web.example.com]:2222');
});

test('[host]:port names: patterns inside brackets; a bare line trusts the host on another port only when it holds the key', () => {
  const text = [line('[*.lab]:2222', ED_A), line('*', ED_B)].join('\n');
  assert.is(keysFor(text, '[web.lab]:2222').length, 2, '* matches a bracketed name too');
  assert.is(keysFor(text, '[web.lab]:2200').length, 1);
  assert.is(keysFor(text, 'web.lab').length, 1);
  assert.ok(verdict([line('[10.0.0.*]:2222', ED_A)], '[10.0.0.5]:2222', ED_A).ok);
  assert.not.ok(verdict([line('[10.0.0.*]:2222', ED_A)], '10.0.0.5', ED_A).ok);
  // ssh looks a host new under [host]:port up once more under its bare name: a match there trusts it ...
  assert.ok(verdict([line('10.0.0.5', ED_A)], '[10.0.0.5]:2222', ED_A).ok);
  // ... a different key there does not (and is not "changed": [host]:port is new) ...
  assert.match(why(verdict([line('10.0.0.5', ED_B)], '[10.0.0.5]:2222', ED_A)), 'no host key for [10.0.0.5]:2222');
  // ... and a line of its own for [host]:port decides alone.
  assert.match(why(verdict([line('[10.0.0.5]:2222', ED_B), line('10.0.0.5', ED_A)], '[10.0.0.5]:2222', ED_A)), 'has CHANGED');
});

test('hashed names: the HMAC of the lower-case name, [host]:port off port 22; unreadable hashes match nothing', () => {
  const hashed = (name: string, salt = randomBytes(20)) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  assert.ok(verdict([line(hashed('[10.0.0.9]:2222'), ED_A)], '[10.0.0.9]:2222', ED_A).ok);
  assert.not.ok(verdict([line(hashed('10.0.0.9'), ED_A)], '[10.0.0.9]:2222', ED_B).ok);
  assert.ok(verdict([line(hashed('web.lab'), ED_A)], 'WEB.Lab', ED_A).ok, 'ssh lowers the name before hashing it');
  assert.is(keysFor(line(hashed('h', randomBytes(16)), ED_A), 'h').length, 0, 'a salt that is not 20 bytes');
  assert.is(keysFor(line(hashed('h').replace('|1|', '|2|'), ED_A), 'h').length, 0);
});

test('@revoked in every form OpenSSH reads: wildcards, patterns, ports, hashed, tabs, another file; never passes', () => {
  const salt = randomBytes(20);
  const hashedH1 = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('h1').digest('base64')}`;
  for (const revoked of ['*', 'h?', 'h*,!h2', 'H1', hashedH1]) {
    const v = verdict([line('h1', ED_A), `@revoked ${line(revoked, ED_A)}`], 'h1', ED_A, true);
    assert.is(v.ok, false, `@revoked ${revoked}`);
    assert.match(why(v), `marked @revoked in ${v.file} line 2`);
  }
  assert.not.ok(verdict([line('[h1]:2222', ED_A), `@revoked ${line('*', ED_A)}`], '[h1]:2222', ED_A).ok);
  assert.not.ok(verdict([line('[h1]:2222', ED_A), `@revoked ${line('[h1]:*', ED_A)}`], '[h1]:2222', ED_A).ok);
  assert.not.ok(verdict([line('h1', ED_A), `@revoked\t${line('*', ED_A)}`], 'h1', ED_A).ok, 'a tab after the marker');
  assert.not.ok(verdict([line('h1', ED_A), `  @revoked   ${line('*', ED_A)}`], 'h1', ED_A).ok);
  // Revoked under the bare name, listed under [host]:port nowhere: refused, also with --accept-new, and not recorded.
  const bare = verdict([line('h1', ED_A), `@revoked ${line('h1', ED_A)}`], '[h1]:2222', ED_A, true);
  assert.match(why(bare), 'marked @revoked');
  assert.not.match(readFileSync(bare.file, 'utf8'), '[h1]:2222');
  // Revoked in the user's file, listed plainly in the inventory's.
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  writeFileSync(join(dir, 'inv'), `${line('h1', ED_A)}\n`);
  writeFileSync(join(dir, 'user'), `@revoked ${line('*', ED_A)}\n`);
  assert.match(why(verifyHostKey([join(dir, 'inv'), join(dir, 'user')], 'h1', ED_A)), `marked @revoked in ${join(dir, 'user')} line 1`);
  // As OpenSSH: a revocation names hosts like any line; one for other hosts, or negated for this one, does not apply.
  assert.ok(verdict([line('h1', ED_A), `@revoked ${line('h2', ED_A)}`], 'h1', ED_A).ok);
  assert.ok(verdict([line('h1', ED_A), `@revoked ${line('!h1,*', ED_A)}`], 'h1', ED_A).ok);
  assert.ok(verdict([line('h1', ED_A), `@revoked ${line('*', ED_B)}`], 'h1', ED_A).ok, 'another key revoked');
});

test('a line with a marker OpenSSH does not know that names the host refuses it (it may be a revocation mistyped)', () => {
  for (const marker of ['@REVOKED', '@revoke', '@revoked @cert-authority']) {
    const v = verdict([line('h1', ED_A), `${marker} ${line('*', ED_A)}`], 'h1', ED_A);
    assert.is(v.ok, false, marker);
    assert.match(why(v), `${v.file} line 2 starts with \`${marker}\`, which is not a known_hosts marker`);
  }
  assert.ok(verdict([line('h1', ED_A), `@REVOKED ${line('h2', ED_A)}`], 'h1', ED_A).ok, 'a line for other hosts');
});

test('@cert-authority: a host it would be the only reason to trust is refused, saying certificates are not supported', () => {
  const CA = blob('ssh-ed25519', randomBytes(36));
  for (const acceptNew of [false, true]) {
    const v = verdict([`@cert-authority ${line('*.lab', CA)}`], 'web.lab', ED_A, acceptNew);
    assert.is(v.ok, false);
    assert.match(why(v), `${v.file} line 1 trusts host certificates signed by a CA (@cert-authority) for it, but provision does not support host certificates`);
    assert.match(why(v), `List the host's own key instead: add a line \`web.lab <keytype> <key>\` to ${v.file}`);
    assert.is(readFileSync(v.file, 'utf8').split('\n').length, 2, 'nothing recorded');
  }
  const changed = verdict([`@cert-authority ${line('*.lab', CA)}`, line('web.lab', ED_B)], 'web.lab', ED_A);
  assert.match(why(changed), /which no known_hosts line lists for it \(.* line 2 lists another key\).*does not support host certificates/);
  assert.ok(verdict([`@cert-authority ${line('*.lab', CA)}`, line('web.lab', ED_A)], 'web.lab', ED_A).ok, 'its own key listed');
  assert.match(why(verdict([`@cert-authority ${line('*.example', CA)}`], 'web.lab', ED_A)), 'no host key for web.lab');
  assert.match(why(verdict([`@cert-authority ${line('web.lab', CA)}`], '[web.lab]:2222', ED_A)), 'does not support host certificates');
});

test('lines OpenSSH cannot read are ignored: a key of another type than the line names', () => {
  const v = verdict([`h1 ssh-rsa ${ED_B.toString('base64')}`], 'h1', ED_A);
  assert.match(why(v), 'no host key for h1', 'not "changed"');
  assert.ok(verdict([`h1 ED25519 ${ED_A.toString('base64')}`], 'h1', ED_A).ok, 'OpenSSH\'s short type names');
});

test.run();
