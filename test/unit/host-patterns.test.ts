// OpenSSH's pattern matching (match.c) as the host field of known_hosts uses it, and hashed names (hostfile.c).
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashHostName, hostFieldMatches, matchHostname, matchPattern, matchPatternList } from '../../engine/transport/host-patterns.ts';

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

test.run();
