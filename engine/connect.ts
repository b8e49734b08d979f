// How a run reaches a host: the one ssh2 connection to it, checked against the inventory's and the user's
// known_hosts (its settings come from prepare.ts, hostConnection, then ~/.ssh/config: ssh-config.ts), through its
// jump hosts if it has any (one connection per jump host, shared by the hosts behind it). Its key as OpenSSH users
// have it: the file the inventory (or ~/.ssh/config) names, else an ssh-agent (SSH_AUTH_SOCK), else the first of
// ~/.ssh/id_ed25519, id_ecdsa, id_rsa; a key file that is missing, unreadable or protected by a passphrase is one
// line naming the variable and the file.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Connection, JumpHop } from './inventory/connection.ts';
import { knownHostsFiles } from './transport/known-hosts.ts';
import { SshConnection } from './transport/ssh.ts';
import ssh2 from 'ssh2';
import { EXIT, UserError } from './errors.ts';
import { askOnTerminal } from './terminal-prompt.ts';

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Passphrases of the encrypted keys this process uses, asked once each on the terminal (askKeyPassphrases). */
const passphrases = new Map<string, string>();
/** The tries ssh gives a passphrase (its NumberOfPasswordPrompts). */
const TRIES = 3;

/**
 * Before any host connects: the passphrase of every encrypted key a run will use without an ssh-agent, asked once
 * per key file on the terminal, as ssh asks it ("Enter passphrase for key ..."), 3 tries. Without a terminal
 * nothing is asked: keyFor then says how to use the agent.
 */
export function askKeyPassphrases(conns: Connection[], env: NodeJS.ProcessEnv = process.env): void {
  if (env.SSH_AUTH_SOCK && existsSync(env.SSH_AUTH_SOCK)) return;
  const keys = conns.flatMap((c) => [c, ...(c.jumps ?? [])]).filter((k) => k.privateKeyPath && existsSync(k.privateKeyPath));
  for (const k of keys) {
    const file = k.privateKeyPath!;
    if (passphrases.has(file) || !encryptionHint(file)) continue;
    const data = readFileSync(file);
    for (let i = 1; ; i++) {
      const r = askOnTerminal(`Enter passphrase for key '${file}': `);
      if (!('answer' in r)) {
        if (r.none === 'no terminal') return;
        throw new UserError(`${k.privateKeyVar ?? 'ansible_ssh_private_key_file'} ${file}: ${r.none === 'interrupted' ? 'passphrase prompt interrupted' : 'no passphrase given'}`, EXIT.invalid);
      }
      if (!(ssh2.utils.parseKey(data, r.answer) instanceof Error)) {
        passphrases.set(file, r.answer);
        break;
      }
      if (i === TRIES) throw new UserError(`${k.privateKeyVar ?? 'ansible_ssh_private_key_file'} ${file}: wrong passphrase (${TRIES} tries)`, EXIT.invalid);
      process.stderr.write('Bad passphrase, try again.\n');
    }
  }
}

/** The key file and agent a host is reached with; throws one line naming the variable and file at fault. */
export function keyFor(c: Pick<Connection, 'privateKeyPath' | 'privateKeyVar'>, env: NodeJS.ProcessEnv = process.env, home = homedir()): { privateKeyPath?: string; agent?: string; passphrase?: string } {
  const agent = env.SSH_AUTH_SOCK && existsSync(env.SSH_AUTH_SOCK) ? env.SSH_AUTH_SOCK : undefined;
  if (c.privateKeyPath) {
    const named = `${c.privateKeyVar ?? 'ansible_ssh_private_key_file'} ${c.privateKeyPath}`;
    if (!existsSync(c.privateKeyPath)) throw new Error(`${named}: no such file`);
    try {
      accessSync(c.privateKeyPath, constants.R_OK);
    } catch {
      throw new Error(`${named}: not readable by this user`);
    }
    // An encrypted key: through the agent (which holds it decrypted), else with the passphrase asked at the start.
    if (encryptionHint(c.privateKeyPath)) {
      if (agent) return { agent };
      const passphrase = passphrases.get(c.privateKeyPath);
      if (passphrase !== undefined) return { privateKeyPath: c.privateKeyPath, passphrase };
      throw new Error(`${named}: the key is protected by a passphrase, and there is no terminal to ask it on: add it to an ssh-agent (ssh-add ${c.privateKeyPath}) and run with SSH_AUTH_SOCK set`);
    }
    return { privateKeyPath: c.privateKeyPath, ...(agent ? { agent } : {}) };
  }
  if (agent) return { agent };
  const found = DEFAULT_KEYS.map((k) => join(home, '.ssh', k)).find((f) => existsSync(f));
  if (found) return { privateKeyPath: found };
  throw new Error(`no key: set ansible_ssh_private_key_file, run an ssh-agent (SSH_AUTH_SOCK), or keep a key in ~/.ssh (${DEFAULT_KEYS.join(', ')})`);
}

/** Whether a key file is encrypted: its PEM header says so, or the cipher an OpenSSH-format key names is not "none". */
function encryptionHint(file: string): boolean {
  const text = readFileSync(file, 'utf8');
  if (text.includes('ENCRYPTED')) return true;
  const b64 = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(text)?.[1].replace(/\s+/g, '');
  if (!b64) return false;
  // openssh-key-v1\0, then the cipher name as a string: "none" for a key without a passphrase.
  const raw = Buffer.from(b64, 'base64');
  const len = raw.readUInt32BE(15);
  return raw.subarray(19, 19 + len).toString('latin1') !== 'none';
}

type ConnectOptions = { acceptNew?: boolean; onNewKey?: (message: string) => void };

/**
 * The ssh2 connection apply makes to a host: its key (or agent), the inventory's and the user's known_hosts; through
 * its jump hosts when it has some (each checked against the same known_hosts files, shared by every host behind it).
 */
export async function connectHost(host: string, c: Connection, o: ConnectOptions = {}): Promise<SshConnection> {
  const key = keyOrPassword(c);
  const knownHostsPath = knownFiles(c.knownHostsPath, c.userKnownHosts);
  const acceptNew = o.acceptNew || c.sshArgs?.acceptNew;
  const jumps = c.jumps ?? [];
  let via: SshConnection | undefined;
  const held: Array<() => void> = [];
  try {
    for (let i = 0; i < jumps.length; i++) {
      const chain = jumps.slice(0, i + 1).map((j) => `${j.user}@${j.host}:${j.port}`).join(',');
      const got = await jumpPool.take(chain, () => connectJump(jumps[i], via, knownFiles(c.knownHostsPath, jumps[i].userKnownHosts), o));
      held.push(got.release);
      via = got.conn;
    }
    const conn = await SshConnection.connect({ name: host, host: c.host, port: c.port, user: c.user, ...key, knownHostsPath,
      connectTimeoutMs: c.connectTimeoutMs ?? 15_000, acceptNew, onNewKey: o.onNewKey, via,
      ...(c.sshArgs?.keepaliveMs !== undefined ? { keepaliveMs: c.sshArgs.keepaliveMs } : {}),
      ...(c.sshArgs?.keepaliveCount !== undefined ? { keepaliveCount: c.sshArgs.keepaliveCount } : {}) });
    conn.onClosed(() => held.reverse().forEach((release) => release()));
    return conn;
  } catch (err) {
    held.reverse().forEach((release) => release());
    throw err;
  }
}

/** The host's key (or agent) and its ansible_password: with a password, having no key is no error. */
function keyOrPassword(c: Connection): ReturnType<typeof keyFor> & { password?: string } {
  if (c.password === undefined) return keyFor(c);
  try {
    return { ...keyFor(c), password: c.password };
  } catch (err) {
    if (c.privateKeyPath) throw err; // a named key file that cannot be used is still an error
    return { password: c.password };
  }
}

/**
 * The known_hosts files a host is checked against: the inventory's, then the user's (UserKnownHostsFile, else
 * ~/.ssh/known_hosts). A first key accepted (--accept-new) is recorded in the first.
 */
function knownFiles(inventoryFile: string | undefined, userFiles: string[] | undefined): string[] {
  if (!userFiles) return knownHostsFiles(inventoryFile, join(homedir(), '.ssh', 'known_hosts'));
  return [...new Set([...(inventoryFile ? [inventoryFile] : []), ...userFiles])];
}

/** A jump host's connection: its own key (its IdentityFile, else the agent, else ~/.ssh's), never the inventory's. */
async function connectJump(j: JumpHop, via: SshConnection | undefined, knownHostsPath: string[], o: ConnectOptions): Promise<SshConnection> {
  const named = `jump host ${j.user}@${j.host}${j.port === 22 ? '' : `:${j.port}`} (${j.from})`;
  let key: ReturnType<typeof keyFor>;
  try {
    key = keyFor(j);
  } catch (err) {
    const why = (err as Error).message;
    // As `ssh -J`: the inventory's key is the host's, not the jump host's.
    throw new Error(`${named}: ${/^no key:/.test(why) ? `no key for it: give it an IdentityFile in ~/.ssh/config (Host ${j.name}), run an ssh-agent holding its key (SSH_AUTH_SOCK), or keep one in ~/.ssh (id_ed25519, id_ecdsa, id_rsa)` : why}`);
  }
  return SshConnection.connect({ name: named, host: j.host, port: j.port, user: j.user, ...key, knownHostsPath, connectTimeoutMs: 15_000,
    acceptNew: o.acceptNew || j.acceptNew, onNewKey: o.onNewKey, via });
}

/**
 * Jump host connections shared by every host reached through them (one bastion connection for a run's 30 hosts,
 * not 30 logins at once, which sshd's MaxStartups would start refusing), closed when the last host using one closes.
 */
class JumpPool {
  private open = new Map<string, { conn: Promise<SshConnection>; users: number }>();

  async take(chain: string, connect: () => Promise<SshConnection>): Promise<{ conn: SshConnection; release: () => void }> {
    let entry = this.open.get(chain);
    if (!entry) {
      entry = { conn: connect(), users: 0 };
      this.open.set(chain, entry);
    }
    const mine = entry;
    mine.users++; // before any await: a release meanwhile cannot close it under this host
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      if (this.open.get(chain) === mine) this.open.delete(chain);
      mine.conn.then((c) => c.close(), () => {});
    };
    let conn: SshConnection;
    try {
      conn = await mine.conn;
    } catch (err) {
      release();
      throw err;
    }
    if (conn.lost === undefined) return { conn, release };
    // Lost since it was opened: a fresh one for this host (and the ones after it).
    if (this.open.get(chain) === mine) this.open.delete(chain);
    release();
    return this.take(chain, connect);
  }
}

const jumpPool = new JumpPool();
