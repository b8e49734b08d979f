// delegate_to: where a task runs when not on its own host. The controller (localhost, 127.0.0.1, ::1: a local sh,
// as Ansible's implicit localhost), or another host of the same run, through that host's own connection (so its
// host lock covers the delegated commands too); every connection stays open until the run ends, for any host may
// delegate to it late. A host not in this run (another play's, or left out by --limit) is not supported yet.
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import type { BecomeSettings } from './become.ts';
import type { Conn } from './transport/conn.ts';
import type { Stdin } from './transport/ssh.ts';

/** Where a delegated task runs: the connection and how it becomes another user there. */
export type DelegateTarget = { name: string; conn: Conn; settings: BecomeSettings & { connPort?: number } };

export const LOCALHOST = new Set(['localhost', '127.0.0.1', '::1']);

/** The controller as a connection: `sh -c COMMAND` as this process's user. */
export const localConn: Conn = {
  exec: (command: string, o?: { stdin?: Stdin }) => new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    const input = o?.stdin;
    if (Array.isArray(input)) for (const b of input) child.stdin.write(b);
    else if (input !== undefined) child.stdin.write(input);
    child.stdin.end();
  }),
};

type Offer = { target?: DelegateTarget; error?: string };

export class Delegates {
  private offers = new Map<string, { promise: Promise<Offer>; give: (o: Offer) => void }>();
  private closers: Array<() => void> = [];

  /** `hosts`: those of the run; `eager`: every one of them connects at once (--forks not below their number). */
  constructor(private hosts: ReadonlySet<string>, private eager: boolean) {}

  private slot(host: string) {
    let s = this.offers.get(host);
    if (!s) {
      let give!: (o: Offer) => void;
      const promise = new Promise<Offer>((r) => { give = r; });
      s = { promise, give };
      this.offers.set(host, s);
    }
    return s;
  }

  /** A host of the run connected (its connection, closed when the run ends), or could not (why). */
  offer(host: string, target: DelegateTarget | string, close?: () => void): void {
    this.slot(host).give(typeof target === 'string' ? { error: target } : { target });
    if (close) this.closers.push(close);
  }

  /** Where `name` is, to run a task delegated to it; throws why it cannot be. */
  async get(name: string): Promise<DelegateTarget> {
    if (LOCALHOST.has(name) && !this.hosts.has(name)) {
      const user = userInfo().username;
      return { name: 'localhost', conn: localConn, settings: { connUser: user, becomeUser: 'root', become: false } };
    }
    if (!this.hosts.has(name)) throw new Error(`delegate_to ${name}: not a host of this run (a host of another play, or left out by --limit, is not supported yet)`);
    if (!this.eager && !this.offers.has(name)) throw new Error(`delegate_to ${name}: it has not connected yet (with --forks below the number of hosts, delegate only to a host that runs before)`);
    const o = await this.slot(name).promise;
    if (o.error !== undefined) throw new Error(`delegate_to ${name}: ${o.error}`);
    return o.target!;
  }

  /** The run is over: every connection kept for delegation is closed. */
  closeAll(): void {
    for (const c of this.closers.splice(0)) c();
  }
}
