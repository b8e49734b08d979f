// Which key reaches a host (engine/connect.ts keyFor), as OpenSSH users have it: the file the inventory names,
// else an ssh-agent, else ~/.ssh's default keys; every problem one line naming the variable and the file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyFor } from '../../engine/connect.ts';
import type { Connection } from '../../engine/inventory/connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'connect-key-'));
const home = join(dir, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
const plain = join(dir, 'plain');
const locked = join(dir, 'locked');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plain]);
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', locked]);
const agentSock = join(dir, 'agent.sock');
writeFileSync(agentSock, ''); // stands for the socket: keyFor only checks that it is there
const conn = (o: Partial<Connection> = {}): Connection => ({ host: 'h', port: 22, user: 'root', become: false, becomeUser: 'root', becomeUserFixed: false, ...o });

test('the key file the inventory names; the agent beside it when there is one', () => {
  assert.equal(keyFor(conn({ privateKeyPath: plain, privateKeyVar: 'ansible_ssh_private_key_file' }), {}, home), { privateKeyPath: plain });
  assert.equal(keyFor(conn({ privateKeyPath: plain }), { SSH_AUTH_SOCK: agentSock }, home), { privateKeyPath: plain, agent: agentSock });
});

test('a missing file, or one locked by a passphrase with no agent, is one line naming the variable and the file', () => {
  assert.throws(() => keyFor(conn({ privateKeyPath: join(dir, 'nothere'), privateKeyVar: 'private_key' }), {}, home),
    (e: Error) => e.message === `private_key ${join(dir, 'nothere')}: no such file`);
  assert.throws(() => keyFor(conn({ privateKeyPath: locked, privateKeyVar: 'ansible_ssh_private_key_file' }), {}, home),
    (e: Error) => e.message === `ansible_ssh_private_key_file ${locked}: the key is protected by a passphrase, and there is no terminal to ask it on: add it to an ssh-agent (ssh-add ${locked}) and run with SSH_AUTH_SOCK set`);
  assert.equal(keyFor(conn({ privateKeyPath: locked }), { SSH_AUTH_SOCK: agentSock }, home), { agent: agentSock }, 'the agent holds it decrypted');
});

test('no key named: the agent, else the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa, else one line saying what to do', () => {
  assert.equal(keyFor(conn(), { SSH_AUTH_SOCK: agentSock }, home), { agent: agentSock });
  assert.throws(() => keyFor(conn(), { SSH_AUTH_SOCK: join(dir, 'gone.sock') }, home),
    (e: Error) => e.message === 'no key: set ansible_ssh_private_key_file, run an ssh-agent (SSH_AUTH_SOCK), or keep a key in ~/.ssh (id_ed25519, id_ecdsa, id_rsa)');
  execFileSync('cp', [plain, join(home, '.ssh', 'id_rsa')]);
  execFileSync('cp', [plain, join(home, '.ssh', 'id_ecdsa')]);
  assert.equal(keyFor(conn(), {}, home), { privateKeyPath: join(home, '.ssh', 'id_ecdsa') });
});

test.run();
