// How a run reaches a host: the one ssh2 connection to it, checked against the inventory's and the user's
// known_hosts (its settings come from prepare.ts, hostConnection).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from './inventory/inventory.ts';
import { knownHostsFiles } from './transport/known-hosts.ts';
import { SshConnection } from './transport/ssh.ts';

/** The ssh2 connection apply makes to a host: its key, the inventory's and the user's known_hosts. */
export function connectHost(host: string, c: Connection, o: { acceptNew?: boolean; onNewKey?: (message: string) => void } = {}): Promise<SshConnection> {
  if (!c.privateKeyPath) return Promise.reject(new Error('no private key: set ansible_ssh_private_key_file'));
  return SshConnection.connect({ name: host, host: c.host, port: c.port, user: c.user, privateKeyPath: c.privateKeyPath,
    knownHostsPath: knownHostsFiles(c.knownHostsPath, join(homedir(), '.ssh', 'known_hosts')), connectTimeoutMs: 15_000,
    acceptNew: o.acceptNew, onNewKey: o.onNewKey });
}
