// OpenSSH's pattern matching (match.c) as the host field of known_hosts uses it, hashed names (hostfile.c),
// and the host key algorithms offered for the keys listed (an RSA key: rsa-sha2-512/256, never ssh-rsa).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashHostName, hostFieldMatches, matchHostname, matchPattern, matchPatternList } from '../../engine/transport/host-patterns.ts';
import { hostKeyAlgorithms } from '../../engine/transport/known-hosts.ts';

test('match_pattern: * any run (also none), ? exactly one character, the rest literally and case-sensitively', () => {
  const yes: Array<[string, string]> = [['web', 'web'], ['web', '*'], ['', '*'], ['web', 'w*'], ['web', '*b'], ['web', 'w*b'], ['wb', 'w*b'],
    ['web', 'w?b'], ['web', '???'], ['web', '**'], ['web', '*?'], ['[web.lab]:2222', '[*.lab]:2222'], ['a.b.c', '*.c'], ['aXbXc', '*X*X*'],
    ['10.0.0.1', '10.0.0.?'], ['abcabd', '*abd']];
  const no: Array<[string, string]> = [['web', 'Web'], ['web', 'we'], ['web', 'webs'], ['web', '????'], ['web', '?'], ['', '?'],
    ['web.lab:2222', '[*.lab]:2222'], ['10.0.0.10', '10.0.0.?'], ['abcabe', '*abd'], ['web', '']];
  for (const [s, p] of yes) assert.ok(matchPattern(s, p), `${s} ~ ${p}`);
  for (const [s, p] of no) assert.not.ok(matchPattern(s, p), `${s} !~ ${p}`);
  assert.ok(matchPattern('', ''));
  assert.not.ok(matchPattern('é', '?'), '? is one byte, as in C');
  assert.ok(matchPattern('é', '??'));
});

test('match_pattern_list: 1 on a positive match, -1 as soon as a negated one matches, 0 otherwise; lists lowered on request', () => {
  assert.is(matchPatternList('web', 'db,web', false), 1);
  assert.is(matchPatternList('web', 'db,app', false), 0);
  assert.is(matchPatternList('web', '!web,*', false), -1);
  assert.is(matchPatternList('web', '*,!web', false), -1);
  assert.is(matchPatternList('web', '!db', false), 0, 'a negation that does not match is no positive match');
  assert.is(matchPatternList('web', '!db,*', false), 1);
  assert.is(matchPatternList('web', 'WEB', false), 0);
  assert.is(matchPatternList('web', 'WEB', true), 1);
  assert.is(matchPatternList('web', 'a,,web', false), 1, 'an empty pattern matches only the empty name');
  assert.is(matchPatternList('', 'a,,b', false), 1);
  assert.is(matchPatternList('web', `${'x'.repeat(1023)},web`, false), 0, 'a pattern over 1022 bytes fails the whole list');
  assert.is(matchPatternList('web', `${'x'.repeat(1022)},web`, false), 1);
});

test('match_hostname: name and patterns compared in lower case (ASCII only)', () => {
  assert.is(matchHostname('WEB.Lab', 'web.LAB'), 1);
  assert.is(matchHostname('Web.lab', '*.LAB,!WEB.*'), -1);
  assert.is(matchHostname('É', 'é'), 0, 'tolower() of C touches ASCII only');
});

test('hashed names: |1|salt|HMAC-SHA1 compared whole, as ssh-keygen -H writes them', () => {
  const salt = randomBytes(20);
  const field = hashHostName('[web.lab]:2222', salt);
  assert.is(field, `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[web.lab]:2222').digest('base64')}`);
  assert.ok(hostFieldMatches(field, '[web.lab]:2222'));
  assert.ok(hostFieldMatches(field, '[WEB.lab]:2222'));
  assert.not.ok(hostFieldMatches(field, 'web.lab'));
  assert.not.ok(hostFieldMatches(`${field},web.lab`, 'web.lab'), 'a hashed field is one name, never a list');
  assert.not.ok(hostFieldMatches(`${field}x`, '[web.lab]:2222'));
  assert.not.ok(hostFieldMatches('|1|', 'web.lab'));
  assert.not.ok(hostFieldMatches('|1|!!!|xx', 'web.lab'));
  assert.ok(hostFieldMatches('web.lab,db.lab', 'db.lab'));
});

/** A known_hosts file of these lines. */
function file(lines: string[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'algs-')), 'known_hosts');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}
const blob = (type: string) => {
  const t = Buffer.from(type);
  const n = Buffer.alloc(4);
  n.writeUInt32BE(t.length);
  return Buffer.concat([n, t, randomBytes(40)]).toString('base64');
};

test('host key algorithms: those verifying the keys listed, in OpenSSH\'s order; RSA only by rsa-sha2-512/256', () => {
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];
  assert.equal(hostKeyAlgorithms([file([`h ssh-rsa ${blob('ssh-rsa')}`])], 'h'), ['rsa-sha2-512', 'rsa-sha2-256']);
  assert.equal(hostKeyAlgorithms([file([`h ssh-rsa ${blob('ssh-rsa')}`, `h ssh-ed25519 ${blob('ssh-ed25519')}`])], 'h'),
    ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'], 'OpenSSH\'s order, not the file\'s');
  assert.equal(hostKeyAlgorithms([file([`h ecdsa-sha2-nistp384 ${blob('ecdsa-sha2-nistp384')}`])], 'h'), ['ecdsa-sha2-nistp384']);
  assert.equal(hostKeyAlgorithms([file([`[*.lab]:* ssh-rsa ${blob('ssh-rsa')}`])], '[web.lab]:2222'), ['rsa-sha2-512', 'rsa-sha2-256']);
  assert.equal(hostKeyAlgorithms([file([`h rsa-sha2-256 ${blob('ssh-rsa')}`])], 'h'), ['rsa-sha2-512', 'rsa-sha2-256']);
  // Nothing listed (a first contact), or only what does not count: every algorithm, still without ssh-rsa.
  assert.equal(hostKeyAlgorithms([file([])], 'h'), all);
  assert.equal(hostKeyAlgorithms([file([`@revoked h ssh-ed25519 ${blob('ssh-ed25519')}`, `@cert-authority h ssh-rsa ${blob('ssh-rsa')}`,
    `!h ssh-rsa ${blob('ssh-rsa')}`, `h ssh-dss ${blob('ssh-dss')}`, `h ssh-ed25519 ${blob('ssh-rsa')}`])], 'h'), all);
  assert.not.ok(all.includes('ssh-rsa'));
  assert.equal(hostKeyAlgorithms([file([]), file([`h ssh-ed25519 ${blob('ssh-ed25519')}`])], 'h'), ['ssh-ed25519'], 'every file counts');
});

test.run();
