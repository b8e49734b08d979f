// ~/.ssh/config (or the file `-F` names in the host's ssh arguments) as OpenSSH applies it when Ansible connects
// (its ssh connection plugin runs OpenSSH): the block of the destination (ansible_host, else the inventory name)
// gives HostName, User, Port, IdentityFile and UserKnownHostsFile where the inventory sets none (the inventory's
// are passed as options, which win), and its jump hosts (ProxyJump, or a ProxyCommand of the `ssh -W %h:%p HOST`
// form) unless the host's ssh arguments name theirs (ssh-args.ts: the command line wins). Each jump host is
// reached as `ssh -J` reaches it: with its own block of the config (its HostName, User, Port, IdentityFile,
// UserKnownHostsFile, its own jumps first), never with the inventory's key or user. Parsed by the
// ssh-config package, which computes a host's values with OpenSSH's rules (first value wins, Host patterns, Match
// not evaluated).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import type { Connection, JumpHop } from './inventory/connection.ts';
import { expandHome } from './local-files.ts';
import { type JumpSpec, jumpList, parseSshArgs } from './ssh-args.ts';

const expand = (p: string, home: string, host: string, user: string) =>
  expandHome(p, home).replace(/%d/g, home).replace(/%h/g, host).replace(/%r/g, user).replace(/%%/g, '%');

/** Jump hosts met on the way to one host, at most: a config whose jumps lead back to themselves ends here. */
const MAX_HOPS = 8;

type Computed = Record<string, string | string[] | undefined>;

/** A block's value of `k`: its first, as OpenSSH takes it. */
const first = (got: Computed, k: string) => (Array.isArray(got[k]) ? (got[k] as string[])[0] : (got[k] as string | undefined));

/** `c` with what the user's ssh config says of its destination and of its jump hosts; unchanged when there is no config and no jump. */
export function withSshConfig(c: Connection, home = homedir(), text = configText(c, home)): Connection {
  if (text === undefined && !c.sshArgs?.jumps?.length && !c.sshArgs?.userKnownHosts) return c;
  const config = text === undefined ? undefined : SSHConfig.parse(text);
  const compute = (host: string): Computed => (config ? config.compute(host) as Computed : {});
  const got = compute(c.host);
  const out: Connection = { ...c };
  const hostName = first(got, 'HostName');
  if (hostName) out.host = hostName.replace(/%h/g, c.host);
  const user = first(got, 'User');
  if (user && !c.set?.user) out.user = user;
  const port = portOf(first(got, 'Port'), `Port (in ~/.ssh/config for ${c.host})`);
  if (port && !c.set?.port) out.port = port;
  if (!c.privateKeyPath) {
    const file = identityFile(got, home, c.host, out.user);
    if (file) Object.assign(out, { privateKeyPath: file, privateKeyVar: `IdentityFile (~/.ssh/config for ${c.host})` });
  }
  const known = c.sshArgs?.userKnownHosts ?? knownFiles(got);
  if (known) out.userKnownHosts = known.map((f) => expand(f, home, c.host, out.user));
  const fromArgs = c.sshArgs?.jumps;
  const specs = fromArgs ?? configJumps(got, `ProxyJump (in ~/.ssh/config for ${c.host})`);
  if (specs.length) {
    const from = fromArgs ? c.sshArgs!.jumpsFrom! : `~/.ssh/config for ${c.host}`;
    out.jumps = hops(specs, compute, home, from, []);
  }
  return out;
}

/** A config block's jump hosts: ProxyJump, else a ProxyCommand of the `ssh -W` form (another one is refused). */
function configJumps(got: Computed, what: string): JumpSpec[] {
  const jump = first(got, 'ProxyJump');
  if (jump) return jumpList(jump, what);
  const command = first(got, 'ProxyCommand');
  if (command) return parseSshArgs(`-o ${JSON.stringify(`ProxyCommand=${command}`)}`, what.replace('ProxyJump', 'ProxyCommand')).jumps ?? [];
  return [];
}

/** The jump hosts as `ssh -J` reaches them, each with its own config block (and its own jumps before it). */
function hops(specs: JumpSpec[], compute: (h: string) => Computed, home: string, from: string, seen: string[]): JumpHop[] {
  const out: JumpHop[] = [];
  for (const spec of specs) {
    if (seen.length + out.length >= MAX_HOPS) throw new Error(`${from}: more than ${MAX_HOPS} jump hosts on the way (do the jump hosts' ProxyJump lead back to themselves?)`);
    const got = compute(spec.host);
    const own = configJumps(got, `ProxyJump (in ~/.ssh/config for ${spec.host})`);
    out.push(...hops(own, compute, home, `~/.ssh/config for ${spec.host}`, [...seen, ...out.map((h) => h.name), spec.host]));
    const user = spec.user ?? first(got, 'User') ?? process.env.USER ?? 'root';
    const hop: JumpHop = { name: spec.host, from, host: (first(got, 'HostName') ?? spec.host).replace(/%h/g, spec.host),
      port: spec.port ?? portOf(first(got, 'Port'), `Port (in ~/.ssh/config for ${spec.host})`) ?? 22, user };
    const key = spec.key ? expand(spec.key, home, spec.host, user) : identityFile(got, home, spec.host, user);
    if (key) Object.assign(hop, { privateKeyPath: key, privateKeyVar: spec.key ? `ProxyCommand -i (${from})` : `IdentityFile (~/.ssh/config for ${spec.host})` });
    const known = spec.userKnownHosts ?? knownFiles(got);
    if (known) hop.userKnownHosts = known.map((f) => expand(f, home, spec.host, user));
    if (spec.acceptNew !== undefined) hop.acceptNew = spec.acceptNew;
    out.push(hop);
  }
  return out;
}

/** A block's UserKnownHostsFile: one or more files (OpenSSH splits the value on spaces). */
function knownFiles(got: Computed): string[] | undefined {
  const v = got.UserKnownHostsFile;
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/\s+/)).filter(Boolean);
}

function identityFile(got: Computed, home: string, host: string, user: string): string | undefined {
  const files = (Array.isArray(got.IdentityFile) ? got.IdentityFile : got.IdentityFile ? [got.IdentityFile] : []).map((f) => expand(f, home, host, user));
  return files.find((f) => existsSync(f));
}

function portOf(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${what}: ${text} is not a port number`);
  return n;
}

/** The ssh config the host is read with: the file its ssh arguments name with -F (which must exist), else ~/.ssh/config if there is one. */
function configText(c: Connection, home: string): string | undefined {
  const named = c.sshArgs?.configFile;
  if (named === undefined) {
    const file = join(home, '.ssh', 'config');
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }
  const file = expandHome(named, home);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${c.sshArgs!.configFileFrom ?? 'ssh arguments'}: -F ${named}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
