// ~/.ssh/config under the inventory (engine/ssh-config.ts), as OpenSSH applies it when Ansible connects: the
// destination's HostName, User, Port, IdentityFile where the inventory sets none; its jump hosts (ProxyJump, a
// ProxyCommand of the `ssh -W` form) each with its own block, unless the host's ssh arguments name theirs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Connection } from '../../engine/inventory/connection.ts';
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
Host bastion
  HostName 10.0.0.1
  Port 2022
  IdentityFile ~/web_key
Host inner-*
  ProxyJump gw-inner
Host gw-inner
  ProxyJump bastion
Host cmd-*
  ProxyCommand ssh -W %h:%p -q -l ops gw.example:2200
Host nc-*
  ProxyCommand nc -X 5 -x proxy:1080 %h %p
Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
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

test('ProxyJump: the jump host with its own block (HostName, Port, IdentityFile, User), never the inventory\'s key', () => {
  const got = withSshConfig(c('jump-1', { privateKeyPath: '/inv/key' }), home, CONFIG);
  assert.equal(got.jumps, [{ name: 'bastion', from: '~/.ssh/config for jump-1', host: '10.0.0.1', port: 2022, user: 'fallback',
    privateKeyPath: key, privateKeyVar: 'IdentityFile (~/.ssh/config for bastion)' }]);
  assert.is(got.privateKeyPath, '/inv/key');
});

test('a jump host\'s own ProxyJump comes before it; a ProxyCommand of the ssh -W form is a jump; others and loops refused', () => {
  assert.equal(withSshConfig(c('inner-1'), home, CONFIG).jumps!.map((j) => `${j.user}@${j.host}:${j.port}`), ['fallback@10.0.0.1:2022', 'fallback@gw-inner:22']);
  assert.equal(withSshConfig(c('cmd-1'), home, CONFIG).jumps!.map((j) => `${j.user}@${j.host}:${j.port}`), ['ops@gw.example:2200']);
  assert.throws(() => withSshConfig(c('nc-1'), home, CONFIG), /ProxyCommand \(in ~\/.ssh\/config for nc-1\): ProxyCommand "nc -X 5 -x proxy:1080 %h %p" is not supported/);
  assert.throws(() => withSshConfig(c('loop-a'), home, CONFIG), /more than 8 jump hosts on the way/);
});

test('the host\'s ssh arguments name its jumps: they win over the config\'s (OpenSSH: the command line first)', () => {
  const got = withSshConfig(c('jump-1', { sshArgs: { jumps: [{ host: 'other', user: 'me', port: 2 }], jumpsFrom: 'host jump-1: ansible_ssh_common_args' } }), home, CONFIG);
  assert.equal(got.jumps, [{ name: 'other', from: 'host jump-1: ansible_ssh_common_args', host: 'other', port: 2, user: 'me' }]);
  const none = withSshConfig(c('jump-1', { sshArgs: { jumps: [], jumpsFrom: 'x' } }), home, CONFIG);
  assert.is(none.jumps, undefined, 'ProxyJump=none on the command line: no jump');
  const noConfig = withSshConfig(c('web', { sshArgs: { jumps: [{ host: 'b', key: '~/web_key' }], jumpsFrom: 'v' } }), home, undefined);
  assert.equal(noConfig.jumps, [{ name: 'b', from: 'v', host: 'b', port: 22, user: process.env.USER ?? 'root', privateKeyPath: key, privateKeyVar: 'ProxyCommand -i (v)' }]);
});

test('-F names the config read instead of ~/.ssh/config (a missing one is an error); UserKnownHostsFile for the host and each jump', () => {
  const file = join(home, 'other.cfg');
  writeFileSync(file, 'Host web\n  HostName 10.9.9.9\n  UserKnownHostsFile ~/kh1 ~/kh2\n  ProxyJump gw\nHost gw\n  UserKnownHostsFile /dev/null\n');
  const got = withSshConfig(c('web', { sshArgs: { configFile: '~/other.cfg', configFileFrom: 'host web: ansible_ssh_common_args' } }), home);
  assert.equal([got.host, got.userKnownHosts, got.jumps!.map((j) => j.userKnownHosts)], ['10.9.9.9', [join(home, 'kh1'), join(home, 'kh2')], [['/dev/null']]]);
  const args = withSshConfig(c('web', { sshArgs: { configFile: file, userKnownHosts: ['/mine'] } }), home);
  assert.equal(args.userKnownHosts, ['/mine'], 'the ssh arguments win over the config');
  assert.throws(() => withSshConfig(c('web', { sshArgs: { configFile: '/no/such.cfg', configFileFrom: 'host web: ansible_ssh_common_args' } }), home),
    /^host web: ansible_ssh_common_args: -F \/no\/such.cfg: cannot read it: ENOENT/);
});

test.run();
