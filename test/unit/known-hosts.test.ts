import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keysFor, knownHostsName } from '../../engine/transport/known-hosts.ts';

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

test.run();
