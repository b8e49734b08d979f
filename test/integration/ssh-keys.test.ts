// Keys as OpenSSH users keep them, on a real lab host: a key protected by a passphrase is refused in one line
// naming the variable and the file, then reaches the host through a real ssh-agent holding it (started here,
// stopped by its PID); a key file that is not there is one line too; ~/.ssh/config's HostName and IdentityFile.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('ssh keys: passphrase, ssh-agent, a missing key file');
let lab: TestLab;
useLab(test, 'sk', 1, (l) => { lab = l; });
const PB = 'test/fixtures/playbooks/facts.yml';
const dir = mkdtempSync(join(tmpdir(), 'ssh-keys-'));
let agent: { sock: string; pid: number } | undefined;

test.after(() => {
  if (agent) {
    try {
      process.kill(agent.pid, 'SIGTERM');
    } catch { /* gone already */ }
  }
});

const apply = (key: string, env: NodeJS.ProcessEnv = {}) =>
  provision(['apply', PB, '-i', lab.inventory, '-e', `ansible_ssh_private_key_file=${key}`], { env: { SSH_AUTH_SOCK: '', ...env } });

test('a key locked by a passphrase, no agent: one line naming the variable and the file, nothing else', async () => {
  const locked = join(dir, 'locked');
  copyFileSync(lab.key, locked);
  chmodSync(locked, 0o600);
  execFileSync('ssh-keygen', ['-q', '-p', '-N', 'a passphrase', '-f', locked]);
  const r = await apply(locked);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, `unreachable sk-1: ansible_ssh_private_key_file ${locked}: the key is protected by a passphrase: add it to an ssh-agent (ssh-add ${locked}) and run with SSH_AUTH_SOCK set`);
});

test('the same key through a real ssh-agent holding it: the play runs', async () => {
  const locked = join(dir, 'locked');
  const sock = join(dir, 'agent.sock');
  const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
  agent = { sock, pid: Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]) };
  const askpass = join(dir, 'askpass');
  writeFileSync(askpass, '#!/bin/sh\necho "a passphrase"\n', { mode: 0o700 });
  execFileSync('ssh-add', [locked], { env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const r = await apply(locked, { SSH_AUTH_SOCK: sock });
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('a key file that is not there: one line naming the variable and the file', async () => {
  const r = await apply(join(dir, 'nothere'));
  assert.is(r.code, 1);
  assert.match(r.stdout, `unreachable sk-1: ansible_ssh_private_key_file ${join(dir, 'nothere')}: no such file`);
});

test('~/.ssh/config: an inventory that names only a host alias reaches it through its HostName and IdentityFile', async () => {
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), `Host sk-alias\n  HostName ${lab.hosts[0].address}\n  User root\n  IdentityFile ${lab.key}\n`);
  const inv = join(dir, 'alias.yml');
  writeFileSync(inv, `all:\n  hosts:\n    sk-alias:\n      known_hosts: ${lab.knownHosts}\n`);
  const pb = join(dir, 'whoami.yml');
  writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: where am I\n      command: hostname\n      register: h\n      changed_when: false\n    - debug: { var: h.stdout }\n');
  const r = await provision(['apply', pb, '-i', inv], { env: { SSH_AUTH_SOCK: '', HOME: home } });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, lab.hosts[0].name, `the alias reached the lab host: ${r.stdout}`);
});

test.run();
