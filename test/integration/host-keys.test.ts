// Host keys on a real sshd: strict by default (the inventory's known_hosts and the user's), --accept-new
// trusts and records a first contact, and a changed key fails that host with what to check, either way.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519KeyPair } from '../../providers/keygen.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('host keys');
let lab: TestLab;
const dir = mkdtempSync(join(tmpdir(), 'provision-hk-'));
let home = join(dir, 'home');
const inv = join(dir, 'inv');
const invKnown = join(dir, 'inv_known_hosts');
const playbook = join(dir, 'touch.yml');
let hostLine = '';

useLab(test, 'hk', 1, (l) => { lab = l; });

/** An inventory of the lab host; `known` sets its known_hosts variable. */
function inventory(known?: string): void {
  const h = lab.hosts[0];
  writeFileSync(inv, `all:\n  vars:\n    ansible_ssh_private_key_file: ${lab.key}\n${known ? `    known_hosts: ${known}\n` : ''}` +
    `  hosts:\n    ${h.name}:\n      ansible_host: ${h.address}\n`);
}
const apply = (...extra: string[]) => provision(['apply', playbook, '-i', inv, ...extra], { env: { HOME: home } });

test.before(() => {
  writeFileSync(playbook, '- hosts: all\n  tasks:\n    - name: marker\n      copy: { content: "hk\\n", dest: /root/hk-marker }\n');
  hostLine = readFileSync(lab.knownHosts, 'utf8').trim();
});

test('strict by default: a host in no known_hosts is refused, and nothing is recorded', async () => {
  inventory(invKnown);
  const r = await apply();
  assert.is.not(r.code, 0);
  assert.match(r.stdout, `unreachable ${lab.hosts[0].name}: ${lab.hosts[0].name}: no host key for ${lab.hosts[0].address} in ${invKnown} or ${home}/.ssh/known_hosts`);
  assert.not.ok(existsSync(invKnown));
  assert.not.ok(existsSync(join(home, '.ssh')));
});

test('--accept-new trusts the first contact and records the key the host really has; strict runs then pass', async () => {
  const r = await apply('--accept-new');
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /new key .* accepted and recorded in /);
  assert.is(readFileSync(invKnown, 'utf8').trim(), hostLine, 'the recorded key is the one the lab gave the host');
  const again = await apply();
  assert.is(again.code, 0, again.stdout);
  assert.not.match(again.stdout, 'new key');
});

test('the user\'s own known_hosts counts too; with no inventory file, --accept-new writes there (0700 dir, 0600 file)', async () => {
  inventory();
  const r = await apply('--accept-new');
  assert.is(r.code, 0, r.stdout);
  const file = join(home, '.ssh', 'known_hosts');
  assert.is(readFileSync(file, 'utf8').trim(), hostLine);
  assert.is(statSync(join(home, '.ssh')).mode & 0o777, 0o700);
  assert.is(statSync(file).mode & 0o777, 0o600);
  inventory(join(dir, 'empty_known_hosts'));
  assert.is((await apply()).code, 0, 'a key in the user\'s file is enough');
});

test('a changed key fails the host with what to check, with or without --accept-new, and nothing is overwritten', async () => {
  const forged = `${lab.hosts[0].address} ${ed25519KeyPair().publicKey}\n`;
  writeFileSync(invKnown, forged);
  inventory(invKnown);
  home = join(dir, 'home2'); // a user's file with the real key would let the host in: OpenSSH accepts a key listed in any file
  for (const flags of [[], ['--accept-new']]) {
    const r = await apply(...flags);
    assert.is.not(r.code, 0);
    assert.match(r.stdout, 'has CHANGED');
    assert.match(r.stdout, `ssh-keygen -R ${lab.hosts[0].address} -f ${invKnown}`);
    assert.is(readFileSync(invKnown, 'utf8'), forged);
  }
});

test.run();
