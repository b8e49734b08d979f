// Host keys for new droplets: well-formed every time (ssh2's keygen is not: 6 malformed in 3,000 tried).
import ssh2 from 'ssh2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519KeyPair } from '../../providers/keygen.ts';

test('300 ed25519 pairs: each private key parses and gives its public key, a 32-byte one', () => {
  for (let i = 0; i < 300; i++) {
    const k = ed25519KeyPair(`root@h${i}`);
    const priv = ssh2.utils.parseKey(k.privateKey);
    assert.ok(!(priv instanceof Error), `${i}: ${String(priv)}`);
    const blob = (priv as { getPublicSSH(): Buffer }).getPublicSSH();
    assert.is(`ssh-ed25519 ${blob.toString('base64')}`, k.publicKey);
    assert.is(blob.length, 4 + 11 + 4 + 32);
  }
});

test.run();
