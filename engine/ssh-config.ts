// ~/.ssh/config as OpenSSH applies it when Ansible connects (its ssh connection plugin runs OpenSSH): the block of
// the destination (ansible_host, else the inventory name) gives HostName, User, Port and IdentityFile where the
// inventory sets none (the inventory's are passed as options, which win). Parsed by the ssh-config package, which
// computes a host's values with OpenSSH's rules (first value wins, Host patterns, Match not evaluated). A jump
// host (ProxyJump, ProxyCommand) is refused: connecting straight would bypass it.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import type { Connection } from './inventory/inventory.ts';
import { expandHome } from './local-files.ts';

const expand = (p: string, home: string, host: string, user: string) =>
  expandHome(p, home).replace(/%d/g, home).replace(/%h/g, host).replace(/%r/g, user).replace(/%%/g, '%');

/** `c` with what the user's ssh config says of its destination; unchanged when there is no config. */
export function withSshConfig(c: Connection, home = homedir(), text = readIfThere(join(home, '.ssh', 'config'))): Connection {
  if (text === undefined) return c;
  const got = SSHConfig.parse(text).compute(c.host) as Record<string, string | string[] | undefined>;
  const one = (k: string) => (Array.isArray(got[k]) ? (got[k] as string[])[0] : (got[k] as string | undefined));
  for (const jump of ['ProxyJump', 'ProxyCommand']) {
    if (one(jump) && one(jump) !== 'none') throw new Error(`${jump} (in ~/.ssh/config for ${c.host}) is not supported yet: provision would connect straight to the host`);
  }
  const out: Connection = { ...c };
  const hostName = one('HostName');
  if (hostName) out.host = hostName.replace(/%h/g, c.host);
  const user = one('User');
  if (user && !c.set?.user) out.user = user;
  const port = one('Port');
  if (port && !c.set?.port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`Port ${port} (in ~/.ssh/config for ${c.host}) is not a port number`);
    out.port = n;
  }
  if (!c.privateKeyPath) {
    const files = (Array.isArray(got.IdentityFile) ? got.IdentityFile : got.IdentityFile ? [got.IdentityFile] : []).map((f) => expand(f, home, c.host, out.user));
    const file = files.find((f) => existsSync(f));
    if (file) Object.assign(out, { privateKeyPath: file, privateKeyVar: `IdentityFile (~/.ssh/config for ${c.host})` });
  }
  return out;
}

function readIfThere(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
