// How a host is reached, from its variables: Ansible's connection variables (and provision's short names),
// checked before any host is contacted. Every connection variable Ansible has is either honoured, accepted as
// changing nothing here (with the reason), or refused by name: none is silently dropped.
import { EXIT, UserError } from '../errors.ts';
import { expandHome } from '../local-files.ts';
import { type SshArgs, parseSshArgs } from '../ssh-args.ts';
import { ansibleBool } from '../yaml/schema.ts';

/**
 * Connection variables that change nothing in provision, and why; a value other than the one named is refused
 * (ansible_connection: local is a different host).
 */
const NO_EFFECT: Record<string, { why: string; only?: RegExp }> = {
  ansible_python_interpreter: { why: 'provision runs no Python on hosts' },
  ansible_pipelining: { why: 'provision always sends its work through the session' },
  ansible_ssh_pipelining: { why: 'provision always sends its work through the session' },
  ansible_scp_extra_args: { why: 'provision copies no file by scp' },
  ansible_sftp_extra_args: { why: 'provision copies no file by sftp' },
  ansible_ssh_transfer_method: { why: 'provision copies no file by scp or sftp' },
  ansible_scp_if_ssh: { why: 'provision copies no file by scp or sftp' },
  ansible_sftp_batch_mode: { why: 'provision copies no file by sftp' },
  ansible_ssh_executable: { why: 'provision speaks SSH itself' },
  ansible_connection: { why: 'provision connects by SSH', only: /^(ssh|smart|paramiko|paramiko_ssh|ansible\.builtin\.ssh)$/ },
  ansible_become_method: { why: 'provision becomes with sudo', only: /^(sudo|ansible\.builtin\.sudo)$/ },
  ansible_shell_type: { why: 'provision runs sh', only: /^sh$/ },
  ansible_shell_executable: { why: 'provision runs sh', only: /^(\/bin\/sh|\/usr\/bin\/sh|sh)$/ },
};
/** Connection variables provision cannot honour yet. */
const NOT_YET = ['ansible_become_exe', 'ansible_sudo_exe', 'ansible_become_flags', 'ansible_sudo_flags', 'ansible_ssh_retries', 'ansible_ssh_use_tty',
  'ansible_ssh_control_path', 'ansible_control_path_dir', 'ansible_sudo_user', 'ansible_ssh_private_key_passphrase'];

/** The connection variables Ansible has, by name: what provision does with each (the README's table lists them). */
export const CONNECTION_VARS = {
  honoured: ['ansible_host', 'ansible_ssh_host', 'ansible_port', 'ansible_ssh_port', 'ansible_user', 'ansible_ssh_user', 'ansible_ssh_private_key_file',
    'ansible_private_key_file', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password', 'ansible_ssh_args', 'ansible_ssh_common_args',
    'ansible_ssh_extra_args', 'ansible_timeout', 'ansible_ssh_timeout', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking', 'ansible_become',
    'ansible_become_user', 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'],
  noEffect: Object.keys(NO_EFFECT),
  notYet: NOT_YET,
};

/** A variable given a value (an empty one counts as not given, as in Ansible's inventory). */
const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Refuses a connection variable provision cannot honour, or a value of one that would mean another kind of connection. */
function refuseUnsupported(vars: Record<string, unknown>, name: string): void {
  for (const k of NOT_YET) {
    if (isSet(vars[k])) throw new UserError(`host ${name}: ${k} is not supported yet`, EXIT.invalid);
  }
  for (const [k, { why, only }] of Object.entries(NO_EFFECT)) {
    const v = vars[k];
    if (only && isSet(v) && !only.test(String(v))) {
      throw new UserError(`host ${name}: ${k} ${JSON.stringify(v)} is not supported yet (${why})`, EXIT.invalid);
    }
  }
}

/** A user name sudo -u may be given: what useradd accepts, without the forms a shell or sudo could misread. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

export type Connection = { host: string; port: number; user: string; privateKeyPath?: string;
  /** The variable that named the key (for errors): ansible_ssh_private_key_file, ansible_private_key_file, private_key. */
  privateKeyVar?: string; knownHostsPath?: string; become: boolean; becomeUser: string;
  /** What the inventory set itself (the rest may come from ~/.ssh/config, as for OpenSSH under Ansible). */
  set?: { user: boolean; port: boolean };
  /** ansible_become_user is set for the host (not only the default root). */
  becomeUserFixed: boolean;
  /** ansible_become_password (ansible_become_pass, ansible_sudo_pass): sudo's password, given only when it asks. */
  becomePassword?: string;
  /** What ansible_ssh_common_args and ansible_ssh_extra_args say (jump hosts, host key checking, keepalives). */
  sshArgs?: SshArgs;
  /** The jump hosts the host is reached through, in order (ssh-config.ts resolves them). */
  jumps?: JumpHop[];
  /** UserKnownHostsFile (ssh arguments, else the ssh config): read instead of ~/.ssh/known_hosts. */
  userKnownHosts?: string[];
  /** ansible_password (ansible_ssh_pass): ssh password authentication, after the key's. */
  password?: string;
  /** ansible_timeout (ansible_ssh_timeout): how long connecting may take. */
  connectTimeoutMs?: number };

/**
 * A jump host as it is reached: its own address, port, user, key and known_hosts (never the inventory's key);
 * `from`: where it was named; `acceptNew`: a ProxyCommand's StrictHostKeyChecking=no.
 */
export type JumpHop = { name: string; from: string; host: string; port: number; user: string; privateKeyPath?: string; privateKeyVar?: string;
  userKnownHosts?: string[]; acceptNew?: boolean };

/**
 * SSH settings from a host's variables: Ansible's names (ansible_host, ansible_port, ansible_user,
 * ansible_ssh_private_key_file, ansible_become, ansible_become_user) win over the short ones (host, port,
 * user, private_key, known_hosts, become, become_user). `name` (default: inventory_hostname) is the host.
 */
export function connection(vars: Record<string, unknown>, name = String(vars.inventory_hostname ?? '')): Connection {
  const pick = (...keys: string[]): [string, unknown] | undefined => {
    for (const k of keys) if (isSet(vars[k])) return [k, vars[k]];
    return undefined;
  };
  const text = (keys: string[], dflt?: string): string | undefined => {
    const found = pick(...keys);
    if (!found) return dflt;
    if (typeof found[1] !== 'string' && typeof found[1] !== 'number') throw new UserError(`host ${name}: ${found[0]} must be a string, not ${JSON.stringify(found[1])}`, EXIT.invalid);
    return String(found[1]);
  };
  const path = (p: string | undefined) => (p ? expandHome(p) : p);
  const host = text(['ansible_host', 'ansible_ssh_host', 'host'], name)!;
  if (!host) throw new UserError('a host has no name and no ansible_host', EXIT.invalid);
  const [portKey, portRaw] = pick('ansible_port', 'ansible_ssh_port', 'port') ?? ['port', 22];
  const port = typeof portRaw === 'number' ? portRaw : /^\s*\d+\s*$/.test(String(portRaw)) ? Number(portRaw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`host ${name}: ${portKey} ${JSON.stringify(portRaw)} is not a port number (1-65535)`, EXIT.invalid);
  }
  const [becomeKey, become] = pick('ansible_become', 'become') ?? ['become', false];
  const becomeOn = ansibleBool(become);
  if (becomeOn === undefined) throw new UserError(`host ${name}: ${becomeKey} ${JSON.stringify(become)} is not a boolean`, EXIT.invalid);
  const becomeUser = text(['ansible_become_user', 'become_user'], 'root')!;
  if (!USER_NAME.test(becomeUser)) {
    const key = pick('ansible_become_user', 'become_user')![0];
    throw new UserError(`host ${name}: ${key} ${JSON.stringify(becomeUser)} is not a user name (letters, digits, _ . -, not starting with - or a digit; 32 at most)`, EXIT.invalid);
  }
  const conn: Connection = {
    host,
    port,
    user: text(['ansible_user', 'ansible_ssh_user', 'user'], 'root')!,
    become: becomeOn,
    becomeUser,
    becomeUserFixed: pick('ansible_become_user', 'become_user') !== undefined,
    set: { user: pick('ansible_user', 'ansible_ssh_user', 'user') !== undefined, port: pick('ansible_port', 'ansible_ssh_port', 'port') !== undefined },
  };
  const key = path(text(['ansible_ssh_private_key_file', 'ansible_private_key_file', 'private_key']));
  const known = path(text(['known_hosts']));
  if (key) {
    conn.privateKeyPath = key;
    conn.privateKeyVar = pick('ansible_ssh_private_key_file', 'ansible_private_key_file', 'private_key')![0];
  }
  if (known) conn.knownHostsPath = known;
  for (const k of ['ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const v = text([k]);
    if (!v) continue;
    try {
      conn.sshArgs = parseSshArgs(v, `host ${name}: ${k}`, conn.sshArgs);
    } catch (err) {
      throw new UserError((err as Error).message, EXIT.invalid);
    }
  }
  refuseUnsupported(vars, name);
  const timeout = pick('ansible_timeout', 'ansible_ssh_timeout');
  if (timeout) {
    const n = Number(timeout[1]);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`host ${name}: ${timeout[0]} ${JSON.stringify(timeout[1])} is not a number of seconds`, EXIT.invalid);
    conn.connectTimeoutMs = n * 1000;
  }
  const checking = pick('ansible_host_key_checking', 'ansible_ssh_host_key_checking');
  if (checking) {
    const on = ansibleBool(checking[1]);
    if (on === undefined) throw new UserError(`host ${name}: ${checking[0]} ${JSON.stringify(checking[1])} is not a boolean`, EXIT.invalid);
    // False: a first key trusted and recorded (--accept-new); a changed key still fails, unlike Ansible.
    if (!on) conn.sshArgs = { ...conn.sshArgs, acceptNew: true };
  }
  const sshPw = pick('ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password');
  if (sshPw) {
    if (typeof sshPw[1] !== 'string' && typeof sshPw[1] !== 'number') throw new UserError(`host ${name}: ${sshPw[0]} must be a string`, EXIT.invalid);
    conn.password = String(sshPw[1]);
  }
  const pw = pick('ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass');
  if (pw) {
    // Never quoted in an error: only its variable's name.
    if (typeof pw[1] !== 'string' && typeof pw[1] !== 'number') throw new UserError(`host ${name}: ${pw[0]} must be a string`, EXIT.invalid);
    if (/[\n\r\0]/.test(String(pw[1]))) throw new UserError(`host ${name}: ${pw[0]} holds a line break or NUL, which sudo cannot read as a password`, EXIT.invalid);
    conn.becomePassword = String(pw[1]);
  }
  return conn;
}
