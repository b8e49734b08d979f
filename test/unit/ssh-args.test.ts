// ansible_ssh_common_args / ansible_ssh_extra_args (engine/ssh-args.ts), split as Ansible splits them: the jump
// host forms (-J, ProxyJump, ProxyCommand "ssh -W %h:%p ..."), host key checking and keepalives taken; the options
// that change nothing here accepted; every other option refused with the variable's name, never dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, UserError } from '../../engine/errors.ts';
import { connection } from '../../engine/inventory/connection.ts';
import { jumpSpec, parseSshArgs } from '../../engine/ssh-args.ts';
import { thrown } from '../helpers/thrown.ts';

const W = 'host web: ansible_ssh_common_args';

test('jump host specs: user, host, port, an IPv6 address, the ssh:// form; bad ones named', () => {
  assert.equal(jumpSpec('bastion', W), { host: 'bastion' });
  assert.equal(jumpSpec('ops@10.0.0.1:2222', W), { host: '10.0.0.1', user: 'ops', port: 2222 });
  assert.equal(jumpSpec('ssh://ops@[fd00::1]:22', W), { host: 'fd00::1', user: 'ops', port: 22 });
  assert.is(thrown(Error, () => jumpSpec('a b', W)).message, `${W}: "a b" is not a jump host ([user@]host[:port])`);
  assert.is(thrown(Error, () => jumpSpec('h:70000', W)).message, `${W}: "h:70000": 70000 is not a port number`);
});

test('every spelling of a jump: -J, -JX, -o ProxyJump=, -oProxyJump X, a list; the first one wins, as in OpenSSH', () => {
  for (const args of ['-J ops@gw', '-Jops@gw', '-o ProxyJump=ops@gw', '-oProxyJump=ops@gw', '-o "ProxyJump ops@gw"', "-o 'proxyjump = ops@gw'"]) {
    assert.equal(parseSshArgs(args, W).jumps, [{ host: 'gw', user: 'ops' }], args);
  }
  assert.equal(parseSshArgs('-J a,b:2200 -J c', W).jumps, [{ host: 'a' }, { host: 'b', port: 2200 }]);
  assert.equal(parseSshArgs('-o ProxyJump=none', W).jumps, []);
  const both = parseSshArgs('-o ProxyJump=x', 'common', parseSshArgs('-J first', 'extra'));
  assert.equal([both.jumps, both.jumpsFrom], [[{ host: 'first' }], 'extra']);
});

test('ProxyCommand "ssh -W %h:%p ..." (Ansible\'s documented bastion form) is a jump with its user, port and key', () => {
  assert.equal(parseSshArgs('-o ProxyCommand="ssh -W %h:%p -q ops@bastion.example"', W).jumps, [{ host: 'bastion.example', user: 'ops' }]);
  assert.equal(parseSshArgs("-o 'ProxyCommand=/usr/bin/ssh -q -i ~/.ssh/b_key -p 2222 -l ops -W [%h]:%p bastion'", W).jumps,
    [{ host: 'bastion', user: 'ops', port: 2222, key: '~/.ssh/b_key' }]);
  for (const cmd of ['nc %h %p', 'ssh bastion nc %h %p', 'ssh -W %h:%p -A bastion', 'ssh -W %h:%p a b']) {
    assert.match(thrown(Error, () => parseSshArgs(`-o ProxyCommand="${cmd}"`, W)).message, `${W}: ProxyCommand "${cmd}" is not supported`);
  }
});

test('-F (another ssh config), UserKnownHostsFile (one or more files); both in a ProxyCommand\'s own options too', () => {
  assert.equal(parseSshArgs('-F ~/proj/ssh.cfg -o UserKnownHostsFile="/a /b"', W), { configFile: '~/proj/ssh.cfg', configFileFrom: W, userKnownHosts: ['/a', '/b'] });
  assert.equal(parseSshArgs('-F/x -F /y', W).configFile, '/x');
  assert.equal(parseSshArgs('-o ProxyCommand="ssh -o StrictHostKeyChecking=no -oUserKnownHostsFile=/dev/null -W %h:%p gw"', W).jumps,
    [{ host: 'gw', userKnownHosts: ['/dev/null'], acceptNew: true }]);
});

test('host key checking, keepalives, and the options that change nothing here', () => {
  assert.is(parseSshArgs('-o StrictHostKeyChecking=no', W).acceptNew, true);
  assert.is(parseSshArgs('-o StrictHostKeyChecking=accept-new', W).acceptNew, true);
  assert.is(parseSshArgs('-o StrictHostKeyChecking=yes', W).acceptNew, false);
  const k = parseSshArgs('-C -q -T -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=/tmp/%C -o ServerAliveInterval=30 -o ServerAliveCountMax=5', W);
  assert.equal(k, { keepaliveMs: 30_000, keepaliveCount: 5 });
});

test('anything else is refused naming the variable and the option', () => {
  const cases: Array<[string, string]> = [
    ['-o HostKeyAlgorithms=ssh-rsa', '-o HostKeyAlgorithms is not supported yet'],
    ['-o ForwardAgent=yes', '-o ForwardAgent is not supported yet'],
    ['-A', '"-A" is not supported'],
    ['-o StrictHostKeyChecking=maybe', 'StrictHostKeyChecking maybe is not yes, no, ask or accept-new'],
    ['-o ServerAliveInterval=soon', 'ServerAliveInterval soon is not a whole number'],
    ['-o', '-o needs an option'],
    ['-o "unterminated', 'cannot split'],
  ];
  for (const [args, why] of cases) {
    const message = thrown(Error, () => parseSshArgs(args, W)).message;
    assert.ok(message.startsWith(`${W}: `) && message.includes(why), `${args}: ${message}`);
  }
});

test('the inventory variables: common args, then extra args; a refusal is an invalid-input error naming the host', () => {
  const c = connection({ ansible_ssh_common_args: '-o ProxyJump=gw', ansible_ssh_extra_args: '-o ServerAliveInterval=9' }, 'web');
  assert.equal(c.sshArgs, { jumps: [{ host: 'gw' }], jumpsFrom: 'host web: ansible_ssh_common_args', keepaliveMs: 9000 });
  const e = thrown(UserError, () => connection({ ansible_ssh_extra_args: '-o Compression=yes' }, 'web'));
  assert.is(e.exitCode, EXIT.invalid);
  assert.match(e.message, /^host web: ansible_ssh_extra_args: -o Compression is not supported yet/);
});

test.run();
