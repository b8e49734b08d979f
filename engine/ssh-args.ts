// ansible_ssh_common_args and ansible_ssh_extra_args, as OpenSSH reads them when Ansible's ssh connection plugin
// passes them on (split as Python's shlex splits them): what provision can honour is taken, what it cannot is
// refused in one line naming the variable and the option, never dropped. Honoured: a jump host (`-J`,
// `-o ProxyJump=`, and the classic `-o ProxyCommand="ssh -W %h:%p [-q] [-i KEY] [-p PORT] [-l USER] HOST"`),
// StrictHostKeyChecking (no / accept-new: a first key trusted and recorded, as --accept-new), UserKnownHostsFile,
// ServerAliveInterval and ServerAliveCountMax (keepalives), -F (another ssh config file); ignored as they change
// nothing here: ControlMaster, ControlPersist, ControlPath (provision keeps one connection per host for the run),
// -C, -q, -T, LogLevel.
import { split } from 'shlex';

/** A jump host as written: `[user@]host[:port]` or `ssh://[user@]host[:port]`, with a key when a ProxyCommand named one. */
export type JumpSpec = { host: string; user?: string; port?: number; key?: string; userKnownHosts?: string[]; acceptNew?: boolean };

export type SshArgs = {
  /** The jump hosts, in order (the last is the one the host is reached from); `[]` for ProxyJump=none. */
  jumps?: JumpSpec[];
  /** Where the jumps were set, for errors: the variable. */
  jumpsFrom?: string;
  /** StrictHostKeyChecking: no or accept-new (true), yes or ask (false). */
  acceptNew?: boolean;
  keepaliveMs?: number;
  keepaliveCount?: number;
  /** -F: the ssh config file read instead of ~/.ssh/config (for the host and its jump hosts, as `ssh -J` passes it on). */
  configFile?: string;
  configFileFrom?: string;
  /** UserKnownHostsFile: the files read instead of ~/.ssh/known_hosts. */
  userKnownHosts?: string[];
};

const IGNORED = new Set(['controlmaster', 'controlpersist', 'controlpath', 'loglevel']);

/** `[user@]host[:port]` (or ssh://...) of a ProxyJump list entry; `what` names it in errors. */
export function jumpSpec(text: string, what: string): JumpSpec {
  const m = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[^\]]+\]|[^:@\s/[\]]+)(?::(\d+))?\/?$/.exec(text.trim());
  if (!m) throw new Error(`${what}: "${text}" is not a jump host ([user@]host[:port])`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`${what}: "${text}": ${port} is not a port number`);
  return { host: m[2].replace(/^\[|\]$/g, ''), ...(m[1] ? { user: m[1] } : {}), ...(port ? { port } : {}) };
}

/** A ProxyJump value: `none`, or a comma-separated list of jump hosts. */
export const jumpList = (value: string, what: string): JumpSpec[] =>
  (value.trim().toLowerCase() === 'none' ? [] : value.split(',').map((j) => jumpSpec(j, what)));

/** The jump a ProxyCommand of the `ssh -W %h:%p ... HOST` shape means; anything else is refused. */
function proxyCommandJump(value: string, what: string): JumpSpec {
  const refuse = () => new Error(`${what}: ProxyCommand "${value}" is not supported: provision follows a ProxyCommand of the form `
    + '"ssh -W %h:%p [-q] [-i KEY] [-p PORT] [-l USER] [-o StrictHostKeyChecking=..] [-o UserKnownHostsFile=..] [USER@]HOST" (or use ProxyJump)');
  const own: SshArgs = {};
  const words = split(value);
  if (words[0] !== 'ssh' && !/\/ssh$/.test(words[0] ?? '')) throw refuse();
  let forward = false;
  let key: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  const rest: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-W' && /^(\[%h\]|%h):%p$/.test(words[i + 1] ?? '')) { forward = true; i++; }
    else if (w === '-q') continue;
    else if (w === '-i' && words[i + 1]) key = words[++i];
    else if (w === '-p' && /^\d+$/.test(words[i + 1] ?? '')) port = Number(words[++i]);
    else if (w === '-l' && words[i + 1]) user = words[++i];
    else if ((w === '-o' && /^(StrictHostKeyChecking|UserKnownHostsFile)\b/i.test(words[i + 1] ?? '')) || /^-o(StrictHostKeyChecking|UserKnownHostsFile)\b/i.test(w)) {
      parseSshArgs(w === '-o' ? `-o ${JSON.stringify(words[++i])}` : JSON.stringify(w), what, own);
    } else if (w.startsWith('-')) throw refuse();
    else rest.push(w);
  }
  if (!forward || rest.length !== 1) throw refuse();
  const spec = jumpSpec(rest[0], what);
  return { ...spec, ...(user && !spec.user ? { user } : {}), ...(port && !spec.port ? { port } : {}), ...(key ? { key } : {}),
    ...(own.userKnownHosts ? { userKnownHosts: own.userKnownHosts } : {}), ...(own.acceptNew !== undefined ? { acceptNew: own.acceptNew } : {}) };
}

/** What one variable's ssh arguments say; `what` (the variable and host) names it in errors. The first value of an option wins, as in OpenSSH. */
export function parseSshArgs(text: string, what: string, into: SshArgs = {}): SshArgs {
  let words: string[];
  try {
    words = split(text);
  } catch (err) {
    throw new Error(`${what}: cannot split "${text}": ${(err as Error).message}`);
  }
  const setJumps = (jumps: JumpSpec[]) => {
    if (into.jumps === undefined) Object.assign(into, { jumps, jumpsFrom: what });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-C' || w === '-q' || w === '-T') continue;
    if (w === '-F' || (w.startsWith('-F') && w.length > 2)) {
      const v = w === '-F' ? words[++i] : w.slice(2);
      if (v === undefined) throw new Error(`${what}: -F needs a file`);
      if (into.configFile === undefined) Object.assign(into, { configFile: v, configFileFrom: what });
      continue;
    }
    if (w === '-J' || (w.startsWith('-J') && w.length > 2)) {
      const v = w === '-J' ? words[++i] : w.slice(2);
      if (v === undefined) throw new Error(`${what}: -J needs a jump host`);
      setJumps(jumpList(v, what));
      continue;
    }
    if (w !== '-o' && !w.startsWith('-o')) throw new Error(`${what}: "${w}" is not supported (provision takes -J, -F, -o ProxyJump=, -o ProxyCommand="ssh -W %h:%p ...", -o StrictHostKeyChecking=, -o UserKnownHostsFile=, -o ServerAlive*; -C, -q, -T and -o Control* change nothing here)`);
    const opt = w === '-o' ? words[++i] : w.slice(2);
    if (opt === undefined) throw new Error(`${what}: -o needs an option`);
    const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(opt);
    if (!m) throw new Error(`${what}: "-o ${opt}" is not an ssh option (Name=value)`);
    const [name, value] = [m[1].toLowerCase(), m[2].trim()];
    if (IGNORED.has(name)) continue;
    if (name === 'proxyjump') setJumps(jumpList(value, what));
    else if (name === 'proxycommand') setJumps(value.toLowerCase() === 'none' ? [] : [proxyCommandJump(value, what)]);
    else if (name === 'stricthostkeychecking') {
      const v = value.toLowerCase();
      if (!['yes', 'no', 'ask', 'accept-new', 'off'].includes(v)) throw new Error(`${what}: StrictHostKeyChecking ${value} is not yes, no, ask or accept-new`);
      into.acceptNew ??= v === 'no' || v === 'off' || v === 'accept-new';
    } else if (name === 'userknownhostsfile') {
      into.userKnownHosts ??= split(value);
    } else if (name === 'serveraliveinterval' || name === 'serveralivecountmax') {
      if (!/^\d+$/.test(value)) throw new Error(`${what}: ${m[1]} ${value} is not a whole number`);
      if (name === 'serveraliveinterval') into.keepaliveMs ??= Number(value) * 1000;
      else into.keepaliveCount ??= Number(value);
    } else {
      throw new Error(`${what}: -o ${m[1]} is not supported yet (provision takes ProxyJump, ProxyCommand "ssh -W %h:%p ...", StrictHostKeyChecking, UserKnownHostsFile, ServerAliveInterval, ServerAliveCountMax)`);
    }
  }
  return into;
}
