// How a run reaches a host: the one ssh2 connection to it, checked against the inventory's and the user's
// known_hosts (its settings come from prepare.ts, hostConnection, then ~/.ssh/config: ssh-config.ts). Its key as
// OpenSSH users have it: the file the inventory (or ~/.ssh/config) names, else an ssh-agent (SSH_AUTH_SOCK), else
// the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa; a
// key file that is missing, unreadable or protected by a passphrase is one line naming the variable and the file.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from './inventory/inventory.ts';
import { knownHostsFiles } from './transport/known-hosts.ts';
import { SshConnection } from './transport/ssh.ts';

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** The key file and agent a host is reached with; throws one line naming the variable and file at fault. */
export function keyFor(c: Connection, env: NodeJS.ProcessEnv = process.env, home = homedir()): { privateKeyPath?: string; agent?: string } {
  const agent = env.SSH_AUTH_SOCK && existsSync(env.SSH_AUTH_SOCK) ? env.SSH_AUTH_SOCK : undefined;
  if (c.privateKeyPath) {
    const named = `${c.privateKeyVar ?? 'ansible_ssh_private_key_file'} ${c.privateKeyPath}`;
    if (!existsSync(c.privateKeyPath)) throw new Error(`${named}: no such file`);
    try {
      accessSync(c.privateKeyPath, constants.R_OK);
    } catch {
      throw new Error(`${named}: not readable by this user`);
    }
    // ssh2 cannot ask for a passphrase: an encrypted key is used through the agent, which holds it decrypted.
    if (/ENCRYPTED|aes\d+-(ctr|cbc)|bcrypt/.test(encryptionHint(c.privateKeyPath))) {
      if (agent) return { agent };
      throw new Error(`${named}: the key is protected by a passphrase: add it to an ssh-agent (ssh-add ${c.privateKeyPath}) and run with SSH_AUTH_SOCK set`);
    }
    return { privateKeyPath: c.privateKeyPath, ...(agent ? { agent } : {}) };
  }
  if (agent) return { agent };
  const found = DEFAULT_KEYS.map((k) => join(home, '.ssh', k)).find((f) => existsSync(f));
  if (found) return { privateKeyPath: found };
  throw new Error(`no key: set ansible_ssh_private_key_file, run an ssh-agent (SSH_AUTH_SOCK), or keep a key in ~/.ssh (${DEFAULT_KEYS.join(', ')})`);
}

/** What tells an encrypted key file: its PEM header, or the cipher an OpenSSH-format key names. */
function encryptionHint(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (text.includes('ENCRYPTED')) return 'ENCRYPTED';
  const b64 = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text)?.[1].replace(/\s+/g, '');
  if (!b64) return '';
  // openssh-key-v1\0, then the cipher name as a string: "none" for a key without a passphrase.
  const raw = Buffer.from(b64, 'base64');
  const len = raw.readUInt32BE(15);
  return raw.subarray(19, 19 + len).toString('latin1') === 'none' ? '' : 'ENCRYPTED';
}

/** The ssh2 connection apply makes to a host: its key (or agent), the inventory's and the user's known_hosts. */
export function connectHost(host: string, c: Connection, o: { acceptNew?: boolean; onNewKey?: (message: string) => void } = {}): Promise<SshConnection> {
  let key: ReturnType<typeof keyFor>;
  try {
    key = keyFor(c);
  } catch (err) {
    return Promise.reject(err);
  }
  return SshConnection.connect({ name: host, host: c.host, port: c.port, user: c.user, ...key,
    knownHostsPath: knownHostsFiles(c.knownHostsPath, join(homedir(), '.ssh', 'known_hosts')), connectTimeoutMs: 15_000,
    acceptNew: o.acceptNew, onNewKey: o.onNewKey });
}
