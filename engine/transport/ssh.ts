// One ssh2 connection per host, kept open; commands run as exec channels on it. A host behind a jump host
// (ProxyJump) is reached through a channel the jump host's own connection forwards (direct-tcpip, as `ssh -J`).
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { Client, type ClientChannel } from 'ssh2';
import { type Stdin, feed } from './feed.ts';
import { hostKeyAlgorithms, knownHostsName, verifyHostKey } from './known-hosts.ts';

export type SshTarget = {
  /** The inventory name, used in every error. */
  name: string;
  host: string;
  port?: number;
  user: string;
  /** The private key file (unencrypted); with `agent` too, the agent's keys are tried first. */
  privateKeyPath?: string;
  /** An ssh-agent's socket (SSH_AUTH_SOCK). */
  agent?: string;
  /** A password (ansible_password), tried after the key. */
  password?: string;
  /** The passphrase of an encrypted private key file. */
  passphrase?: string;
  /** known_hosts files, all consulted; with acceptNew a first key is recorded in the first. */
  knownHostsPath: string | string[];
  /** Trust a host listed in no known_hosts file on first contact, and record its key (a changed key still fails). */
  acceptNew?: boolean;
  /** Told when a key was accepted and recorded. */
  onNewKey?: (message: string) => void;
  connectTimeoutMs?: number;
  /** Keepalive interval (0: none); `keepaliveCount` unanswered ones (default 3) end the connection. */
  keepaliveMs?: number;
  keepaliveCount?: number;
  /** The jump host this one is reached through: a channel it forwards to host:port carries the connection. */
  via?: SshConnection;
};

/** A command held open on its own channel (SshConnection.hold). */
export type Held = { release(): void; send(text: string): void; line: string; ended: Promise<string> };

export type ExecResult = { code: number; signal?: string; stdout: string; stderr: string };

/** sshd's default MaxSessions is 10; stay at half of it, as ARCHITECTURE.md asks. */
const MAX_CHANNELS = 5;
const OPEN_RETRIES = 5;

export class SshError extends Error {
  constructor(readonly host: string, message: string) {
    super(`${host}: ${message}`);
    this.name = 'SshError';
  }
}

export class SshConnection {
  /** Set when the connection went down without close(): why. */
  lost?: string;
  private closing = false;
  private active = 0;
  private waiting: Array<() => void> = [];

  /**
   * `hostKeyAlgorithm`: the host key algorithm the handshake agreed on (`ssh-ed25519`, `rsa-sha2-512`, ...),
   * the one the host's signature was checked with.
   */
  private constructor(readonly target: SshTarget, private client: Client, private sock: Duplex, readonly hostKeyAlgorithm: string) {}

  static connect(target: SshTarget): Promise<SshConnection> {
    const port = target.port ?? 22;
    const name = knownHostsName(target.host, port);
    const files = ([] as string[]).concat(target.knownHostsPath);
    // Only algorithms that verify a key listed for the host (an RSA key by rsa-sha2-512/256, never SHA-1 ssh-rsa).
    const serverHostKey = hostKeyAlgorithms(files, name);
    let refusal = '';
    const client = new Client();
    const viaName = target.via ? ` through ${target.via.target.name}` : '';
    return new Promise((resolve, reject) => {
      if (target.via) {
        target.via.forward(target.host, port).then((stream) => start(stream), (err: Error) => reject(new SshError(target.name,
          `cannot connect to ${target.user}@${name}${viaName}: ${err.message.replace(`${target.via!.target.name}: `, '')}`)));
      } else {
        const sock = new Socket();
        sock.setNoDelay(true);
        sock.once('error', () => {}); // reported through the client
        start(sock);
        sock.connect(port, target.host);
      }
      function start(sock: Duplex): void {
        // ssh2 may emit more than one error for one failed connect (ECONNREFUSED, then "Connection lost
        // before handshake"): the first is the answer, and a later one must still find a listener.
        let failed = false;
        const fail = (err: Error) => {
          if (failed) return;
          failed = true;
          client.end();
          if (!refusal && /no matching host key format/.test(err.message)) {
            refusal = `${name} offers no host key of the types known_hosts lists for it (${serverHostKey.join(', ')}; ` +
              `${files.join(', ')}): refusing to connect (if the host was re-created with other key types, list its new key)`;
          }
          reject(new SshError(target.name, refusal || `cannot connect to ${target.user}@${name}${viaName}: ${err.message}`));
        };
        let hostKeyAlgorithm = '';
        client.once('handshake', (negotiated: { serverHostKey: string }) => { hostKeyAlgorithm = negotiated.serverHostKey; });
        client.once('ready', () => {
          client.removeListener('error', fail);
          const conn = new SshConnection(target, client, sock, hostKeyAlgorithm);
          // Later errors (a reset, no answer to keepalives) end the connection: its execs fail, and `lost` says why.
          client.on('error', (err: Error) => { conn.lost ??= err.message; });
          client.on('close', () => { if (!conn.closing) conn.lost ??= 'the connection closed'; });
          resolve(conn);
        });
        client.on('error', fail);
        client.connect({
          sock,
          host: target.host,
          port,
          username: target.user,
          ...(target.privateKeyPath ? { privateKey: readFileSync(target.privateKeyPath) } : {}),
          ...(target.passphrase !== undefined ? { passphrase: target.passphrase } : {}),
          ...(target.agent ? { agent: target.agent } : {}),
          ...(target.password !== undefined ? { password: target.password } : {}),
          readyTimeout: target.connectTimeoutMs ?? 20_000,
          // A host that stops answering (network cut, host frozen) is given up after about 3 x 5 s, not waited on forever.
          keepaliveInterval: target.keepaliveMs ?? 5000,
          keepaliveCountMax: target.keepaliveCount ?? 3,
          algorithms: { serverHostKey: serverHostKey as never },
          hostVerifier: (key: Buffer) => {
            const verdict = verifyHostKey(files, name, key, target.acceptNew);
            if (!verdict.ok) refusal = verdict.why;
            else if (verdict.recorded) target.onNewKey?.(verdict.recorded);
            return verdict.ok;
          },
        });
      }
    });
  }

  /** A channel this host forwards to host:port (what `ssh -W`/ProxyJump uses): another connection's transport. */
  forward(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(new SshError(this.target.name, `the connection is lost (${this.lost})`));
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) return reject(new SshError(this.target.name, `cannot open a channel to ${host}:${port}: ${err.message}`));
        resolve(channel);
      });
    });
  }

  /** Calls `then` once the connection has closed (by close(), or lost). */
  onClosed(then: () => void): void {
    this.client.once('close', then);
  }

  /** Runs one shell command line on the host; resolves with its exit status and output. */
  async exec(command: string, options: { stdin?: Stdin } = {}): Promise<ExecResult> {
    await this.acquire();
    try {
      return await this.run(command, options.stdin);
    } finally {
      this.release();
    }
  }

  close(): void {
    this.closing = true;
    this.client.end();
  }

  /**
   * Runs `command` on a channel that stays open: resolves once its stdout has a line `ready` (or `ready` and a
   * space and more, given back as `line`; the channel then holds a slot until `release()` ends its stdin, and
   * `send` writes to its stdin); if it ends first, rejects with its output. `ended` settles when it closes.
   */
  async hold(command: string, ready: string): Promise<Held> {
    await this.acquire();
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) {
          this.release();
          return reject(new SshError(this.target.name, `cannot run a command: ${err.message}`));
        }
        let out = '';
        let held = false;
        const ended = new Promise<string>((r) => channel.on('close', () => r(out)));
        channel.stderr.on('data', (d: Buffer) => { out += d; });
        channel.on('data', (d: Buffer) => {
          out += d;
          const line = held ? undefined : out.split('\n').slice(0, -1).find((l) => l === ready || l.startsWith(`${ready} `));
          if (line !== undefined) {
            held = true;
            resolve({ release: () => channel.end(), send: (text) => channel.write(text), line, ended });
          }
        });
        channel.on('close', () => {
          this.release();
          if (!held) reject(new SshError(this.target.name, out.trim() || `\`${command.split('\n')[0]}\` ended`));
        });
      });
    });
  }

  /**
   * Opens an exec channel, retrying when sshd refuses a channel. The channel's listeners are attached
   * inside ssh2's callback: a fast command's exit status can arrive in the same read as the channel's
   * confirmation, before any promise continuation would run.
   */
  private run(command: string, stdin: Stdin | undefined, attempt = 0): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (!err) return collect(this.target.name, command, channel, this.sock, stdin).then(resolve, reject);
        if (/open failure/i.test(err.message) && attempt < OPEN_RETRIES) {
          setTimeout(() => this.run(command, stdin, attempt + 1).then(resolve, reject), 20 * 2 ** attempt);
          return;
        }
        reject(new SshError(this.target.name, `cannot run a command: ${err.message}`));
      });
    });
  }

  private async acquire(): Promise<void> {
    if (this.active < MAX_CHANNELS) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export type { Stdin } from './feed.ts';

function collect(host: string, command: string, channel: ClientChannel, sock: Duplex, stdin?: Stdin): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code = -1;
    let signal: string | undefined;
    channel.on('data', (d: Buffer) => out.push(d));
    channel.stderr.on('data', (d: Buffer) => err.push(d));
    channel.on('exit', (c: number | null, s?: string) => {
      code = c ?? -1;
      signal = s ?? undefined;
    });
    let fed: Error | undefined;
    channel.on('close', (c?: number | null, sig?: string) => {
      // Input that could not all be written: the command saw it cut short, so its result does not count.
      if (fed) return reject(new SshError(host, `\`${command}\`: writing its input failed: ${fed.message}`));
      // ssh2 passes the exit status to 'close' too: a fallback, never a guess.
      if (code === -1 && typeof c === 'number') code = c;
      if (!signal && sig) signal = sig;
      if (code === -1 && !signal) {
        const why = Buffer.concat(err).toString('utf8').trim();
        return reject(new SshError(host, `\`${command}\` ended without an exit status: the host closed the session${why ? ` (${why})` : ''}`));
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    feed(channel, sock, stdin).catch((e: Error) => {
      fed = e;
      channel.close();
    });
  });
}
