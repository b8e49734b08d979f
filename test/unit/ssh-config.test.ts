// ~/.ssh/config under the inventory (engine/ssh-config.ts), as OpenSSH applies it when Ansible connects: the
// destination's HostName, User, Port, IdentityFile where the inventory sets none; a jump host refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Connection } from '../../engine/inventory/inventory.ts';
import { withSshConfig } from '../../engine/ssh-config.ts';

const home = mkdtempSync(join(tmpdir(), 'ssh-config-'));
const key = join(home, 'web_key');
writeFileSync(key, 'a key');
const CONFIG = `Host web
  HostName 10.0.0.5
  User deploy
  Port 2222
  IdentityFile ~/missing_key
  IdentityFile ~/web_key
Host jump-*
  ProxyJump bastion
Host *
  User fallback
`;
const c = (host: string, o: Partial<Connection> = {}): Connection => ({ host, port: 22, user: 'root', become: false, becomeUser: 'root', becomeUserFixed: false,
  set: { user: false, port: false }, ...o });

test('the destination\'s HostName, User, Port and the first IdentityFile that exists, where the inventory sets none', () => {
  const got = withSshConfig(c('web'), home, CONFIG);
  assert.equal([got.host, got.user, got.port, got.privateKeyPath, got.privateKeyVar], ['10.0.0.5', 'deploy', 2222, key, 'IdentityFile (~/.ssh/config for web)']);
  assert.equal(withSshConfig(c('other'), home, CONFIG).user, 'fallback', 'Host * applies to every destination');
});

test('what the inventory sets wins (it is passed to OpenSSH as options); no config leaves the connection as it is', () => {
  const got = withSshConfig(c('web', { user: 'admin', port: 2200, privateKeyPath: '/k/id', set: { user: true, port: true } }), home, CONFIG);
  assert.equal([got.host, got.user, got.port, got.privateKeyPath], ['10.0.0.5', 'admin', 2200, '/k/id']);
  const plain = c('web');
  assert.is(withSshConfig(plain, home, undefined), plain);
});

test('a jump host is refused, never bypassed', () => {
  assert.throws(() => withSshConfig(c('jump-1'), home, CONFIG), /ProxyJump \(in ~\/.ssh\/config for jump-1\) is not supported yet: provision would connect straight to the host/);
});

test.run();
