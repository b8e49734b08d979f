// become_user at play, block and task level on real lab hosts, with real Ansible as the oracle: each command runs
// as the innermost become_user, as ansible-playbook runs it on another host; the host's ansible_become_user,
// a connection variable, wins over the keywords, as in Ansible; and a sudo that asks for a password gets
// ansible_become_password (a !vault value), never shown, never run as a command where sudo asks for none.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { encryptAnsible } from '../../engine/vault/ansible-format.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('become_user');
const PB = 'test/fixtures/playbooks/become-users.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'bu', 2, (l, s) => { lab = l; ssh = s; });

test('the innermost become_user runs each command, as under ansible-playbook', async () => {
  const r = await applyJson([PB, '--limit', 'bu-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'bu-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['bu-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/become-users')));
  assert.is(a, 'nobody daemon bin\n');
  assert.is(b, a);
});

test('a fact read as one user is read again as another: nobody may not stat what root just did, as under ansible-playbook', async () => {
  const pb = 'test/fixtures/playbooks/become-facts.yml';
  const r = await applyJson([pb, '--limit', 'bu-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(pb, lab.inventory, 'bu-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['bu-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/become-facts')));
  assert.is(b, 'True True Permission denied\n', 'ansible-playbook');
  assert.is(a, b);
});

test('ansible_become_user of the host wins over the keywords', async () => {
  // The lab's inventory, with a host_vars file beside it.
  const inv = mkdtempSync(join(tmpdir(), 'provision-bu-'));
  copyFileSync(join(lab.inventory, 'hosts.yml'), join(inv, 'hosts.yml'));
  mkdirSync(join(inv, 'host_vars'));
  writeFileSync(join(inv, 'host_vars', 'bu-1.yml'), 'ansible_become_user: daemon\n');
  const r = await applyJson([PB, '--limit', 'bu-1'], inv);
  assert.is(r.code, 0, r.raw);
  assert.is(await sh(ssh[0], 'cat /root/become-users'), 'daemon daemon daemon\n');
});

const SUDO_PW = "Bp pw 'quoted' $(x)";
// Were this password ever run as a shell command (sudo asking for none), it would leave a file behind.
const HOSTILE_PW = 'touch /tmp/bp-pwned; echo pwned';
const VAULT_PW = 'become test vault password';

/** The lab's inventory, connecting as `user` with `password` as an inline !vault value in group_vars/all.yml. */
function inventoryAs(user: string, password: string): { inv: string; vaultFile: string } {
  const inv = mkdtempSync(join(tmpdir(), 'provision-bp-'));
  copyFileSync(join(lab.inventory, 'hosts.yml'), join(inv, 'hosts.yml'));
  mkdirSync(join(inv, 'group_vars'));
  const value = encryptAnsible(password, VAULT_PW).trimEnd().split('\n').join('\n    ');
  writeFileSync(join(inv, 'group_vars', 'all.yml'), `ansible_user: ${user}\nansible_become_password: !vault |\n    ${value}\n`);
  const vaultFile = join(mkdtempSync(join(tmpdir(), 'provision-bp-pass-')), 'vault-pass');
  writeFileSync(vaultFile, `${VAULT_PW}\n`, { mode: 0o600 });
  return { inv, vaultFile };
}

test.before(async () => {
  // deploy: sudo asks for its password; easy: sudo asks for none (NOPASSWD). Both log in with the lab's key.
  await Promise.all(ssh.map((s) => sh(s, [
    `useradd -m -s /bin/sh -G sudo deploy && echo ${shq(`deploy:${SUDO_PW}`)} | chpasswd`,
    'useradd -m -s /bin/sh easy && echo "easy ALL=(ALL:ALL) NOPASSWD: ALL" > /etc/sudoers.d/easy',
    'for u in deploy easy; do mkdir -p /home/$u/.ssh && cp /root/.ssh/authorized_keys /home/$u/.ssh/ && chown -R $u: /home/$u/.ssh; done',
  ].join(' && '))));
});

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const PW_PB = 'test/fixtures/playbooks/become-password.yml';

test('ansible_become_password (a !vault value): --check, then apply, as ansible-playbook does; never shown', async () => {
  const { inv, vaultFile } = inventoryAs('deploy', SUDO_PW);
  const check = await applyJson([PW_PB, '--limit', 'bu-1', '--check', '--vault-password-file', vaultFile], inv);
  assert.is(check.code, 0, check.raw);
  assert.is(check.report.hosts['bu-1'].failed, 0);
  const r = await applyJson([PW_PB, '--limit', 'bu-1', '--vault-password-file', vaultFile], inv);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(PW_PB, inv, 'bu-2', ['--vault-password-file', vaultFile]);
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['bu-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'stat -c "%U %a" /root/become-password && cat /root/become-password')));
  assert.is(a, 'root 600\nroot nobody deploy\n');
  assert.is(b, a);
  for (const out of [check.raw, r.raw]) assert.not.ok(out.includes('Bp pw'), 'the password is never shown');
});

test('a wrong ansible_become_password: the first task fails saying so, as in Ansible; the password not shown', async () => {
  const { inv, vaultFile } = inventoryAs('deploy', 'not the password');
  const r = await applyJson([PW_PB, '--limit', 'bu-1', '--vault-password-file', vaultFile], inv);
  assert.is(r.code, 1, r.raw);
  const tasks = r.report.hosts['bu-1'].tasks;
  assert.is(tasks[0].error, '`id -un` exited 1: sudo: the become password (ansible_become_password) was refused');
  assert.not.ok(r.raw.includes('not the password'));
  const theirs = await ansiblePlaybook(PW_PB, inv, 'bu-2', ['--vault-password-file', vaultFile]);
  assert.is.not(theirs.code, 0, 'Ansible fails too');
  assert.equal(asOracle(tasks), theirs.tasks);
});

test('sudo without a password (NOPASSWD) and a password set: it is never given to a shell', async () => {
  await Promise.all(ssh.map((s) => sh(s, 'rm -f /tmp/bp-pwned /root/become-password')));
  const { inv, vaultFile } = inventoryAs('easy', HOSTILE_PW);
  const r = await applyJson([PW_PB, '--limit', 'bu-1', '--vault-password-file', vaultFile], inv);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(PW_PB, inv, 'bu-2', ['--vault-password-file', vaultFile]);
  assert.equal(asOracle(r.report.hosts['bu-1'].tasks), theirs.tasks);
  for (const s of ssh) {
    assert.is(await sh(s, 'cat /root/become-password; ls /tmp/bp-pwned 2>&1 || true'), 'root nobody easy\nls: cannot access \'/tmp/bp-pwned\': No such file or directory\n');
  }
});

test('ansible_password: no key anywhere, the ssh login and sudo by password, as ansible-playbook (sshpass) does it', async () => {
  const inv = mkdtempSync(join(tmpdir(), 'provision-bp-'));
  const hosts = lab.hosts.map((h) => `    ${h.name}:\n      ansible_host: ${h.address}\n`).join('');
  const value = encryptAnsible(SUDO_PW, VAULT_PW).trimEnd().split('\n').join('\n      ');
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  vars:\n    ansible_user: deploy\n    known_hosts: ${lab.knownHosts}\n`
    + `    ansible_password: !vault |\n      ${value}\n    ansible_become_password: "{{ ansible_password }}"\n  hosts:\n${hosts}`);
  const vaultFile = join(mkdtempSync(join(tmpdir(), 'provision-bp-pass-')), 'vault-pass');
  writeFileSync(vaultFile, `${VAULT_PW}\n`, { mode: 0o600 });
  const home = mkdtempSync(join(tmpdir(), 'provision-bp-home-')); // no ~/.ssh keys, no agent
  await Promise.all(ssh.map((s) => sh(s, 'rm -f /root/become-password')));
  const r = await provision(['apply', PW_PB, '-i', inv, '--limit', 'bu-1', '--vault-password-file', vaultFile, '--json'], { env: { HOME: home, SSH_AUTH_SOCK: '' } });
  assert.is(r.code, 0, r.stdout + r.stderr);
  const theirs = await ansiblePlaybook(PW_PB, inv, 'bu-2', ['--vault-password-file', vaultFile], { SSH_AUTH_SOCK: '' });
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(JSON.parse(r.stdout).hosts['bu-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/become-password')));
  assert.is(a, 'root nobody deploy\n');
  assert.is(b, a);
  assert.not.ok((r.stdout + r.stderr).includes('Bp pw'), 'the password is never shown');
  const wrong = join(inv, 'host_vars');
  mkdirSync(wrong);
  writeFileSync(join(wrong, 'bu-1.yml'), 'ansible_password: not-the-password\n');
  const w = await provision(['apply', PW_PB, '-i', inv, '--limit', 'bu-1', '--vault-password-file', vaultFile], { env: { HOME: home, SSH_AUTH_SOCK: '' } });
  assert.is(w.code, 1);
  assert.match(w.stdout, 'unreachable bu-1: bu-1: cannot connect to deploy@');
  assert.not.ok((w.stdout + w.stderr).includes('not-the-password'));
});

test.run();
