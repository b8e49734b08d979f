// Keys as OpenSSH users keep them, on a real lab host: a key protected by a passphrase is refused in one line
// naming the variable and the file when there is no terminal to ask on, asked once on a terminal (script(1)), and
// reaches the host through a real ssh-agent holding it (started here, stopped by its PID); a key file that is not
// there is one line too; ~/.ssh/config's HostName and IdentityFile.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bin, provision, root } from '../helpers/cli.ts';
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
  assert.match(r.stdout, `unreachable sk-1: ansible_ssh_private_key_file ${locked}: the key is protected by a passphrase, and there is no terminal to ask it on: add it to an ssh-agent (ssh-add ${locked}) and run with SSH_AUTH_SOCK set`);
});

/** provision apply on a pseudo-terminal (script(1)), with `answers` typed each time ssh's passphrase question shows. */
function onTerminal(key: string, answers: string[]): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, bin, 'apply', PB, '-i', lab.inventory, '-e', `ansible_ssh_private_key_file=${key}`].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { ...process.env, SSH_AUTH_SOCK: '' } });
    let out = '';
    let asked = 0;
    child.stdout.on('data', (d) => {
      out += d;
      const shown = out.split('Enter passphrase for key').length - 1;
      if (shown > asked && asked < answers.length) child.stdin.write(`${answers[asked++]}\n`);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.replace(/\r/g, '') }));
  });
}

test('no agent, on a terminal: the passphrase asked once as ssh asks it (3 tries), then the play runs', async () => {
  const locked = join(dir, 'locked');
  let r = await onTerminal(locked, ['wrong', 'a passphrase']);
  assert.is(r.code, 0, r.out);
  assert.is(r.out.split(`Enter passphrase for key '${locked}': `).length - 1, 2, r.out);
  assert.match(r.out, 'Bad passphrase, try again.');
  assert.not.ok(r.out.includes('a passphrase\n'), 'not echoed');
  assert.match(r.out, /sk-1 +ok=\d+ .*unreachable=0/);
  r = await onTerminal(locked, ['no', 'nope', 'never']);
  assert.is(r.code, 4, r.out);
  assert.match(r.out, `provision: ansible_ssh_private_key_file ${locked}: wrong passphrase (3 tries)`);
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
