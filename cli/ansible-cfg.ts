// ansible.cfg, found and read as Ansible finds it (ANSIBLE_CONFIG, ./ansible.cfg unless the directory is
// world-writable, ~/.ansible.cfg, /etc/ansible/ansible.cfg: the first that exists, alone), so a project that runs
// with ansible-playbook runs with provision without new flags. What provision takes of it: [defaults] inventory,
// roles_path, forks, remote_user, private_key_file, host_key_checking, vault_password_file; [privilege_escalation]
// become. Paths are relative to the file's directory, as in Ansible. Every other key is listed by `validate` as
// not applied.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EXIT, UserError } from '../engine/errors.ts';
import { expandHome } from '../engine/local-files.ts';
import { ansibleBool } from '../engine/yaml/schema.ts';

export type AnsibleCfg = {
  file: string;
  inventory?: string;
  rolesPath?: string[];
  forks?: number;
  remoteUser?: string;
  privateKeyFile?: string;
  hostKeyChecking?: boolean;
  vaultPasswordFile?: string;
  become?: boolean;
  /** Keys present that provision does not apply ("defaults.stdout_callback"). */
  ignored: string[];
};

const APPLIED: Record<string, string[]> = {
  defaults: ['inventory', 'hostfile', 'roles_path', 'forks', 'remote_user', 'private_key_file', 'host_key_checking', 'vault_password_file'],
  privilege_escalation: ['become'],
};

/** The file Ansible would read, or undefined. */
export function findAnsibleCfg(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), home = homedir()): string | undefined {
  if (env.ANSIBLE_CONFIG) {
    const f = resolve(cwd, expandHome(env.ANSIBLE_CONFIG, home));
    return existsSync(f) && statSync(f).isDirectory() ? join(f, 'ansible.cfg') : f;
  }
  // Ansible skips ./ansible.cfg in a world-writable directory: anyone could have put it there.
  const local = join(cwd, 'ansible.cfg');
  if (existsSync(local) && (statSync(cwd).mode & 0o002) === 0) return local;
  return [join(home, '.ansible.cfg'), '/etc/ansible/ansible.cfg'].find((f) => existsSync(f));
}

/** INI as Python's configparser reads Ansible's file: [section], key = value or key: value, # and ; comments. */
function parseIni(text: string, file: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      section = out.get(head[1].trim()) ?? new Map();
      out.set(head[1].trim(), section);
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv || !section) throw new UserError(`${file}:${i + 1}: not a [section] or a key = value line: ${JSON.stringify(raw)}`, EXIT.invalid);
    section.set(kv[1].trim(), kv[2].replace(/\s+[#;].*$/, '').trim());
  });
  return out;
}

/** As Ansible's boolean() reads it (y/yes/on/1/true/t and their opposites); where Ansible's config takes anything
 * else as false, provision refuses it: a misspelt value is never read as "no". */
const bool = (v: string, key: string, file: string): boolean => {
  const b = ansibleBool(v);
  if (b === undefined) throw new UserError(`${file}: ${key} = ${v} is not a boolean (yes/no, true/false, on/off, 1/0, y/n, t/f)`, EXIT.invalid);
  return b;
};

/** What provision takes of an ansible.cfg; errors name the file and key. */
export function readAnsibleCfg(file: string): AnsibleCfg {
  const ini = parseIni(readFileSync(file, 'utf8'), file);
  const dir = dirname(resolve(file));
  const path = (p: string) => resolve(dir, expandHome(p));
  const d = ini.get('defaults') ?? new Map<string, string>();
  const cfg: AnsibleCfg = { file, ignored: [] };
  const inventory = d.get('inventory') ?? d.get('hostfile');
  if (inventory) {
    const list = inventory.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length > 1) throw new UserError(`${file}: inventory = ${inventory}: several inventory sources are not supported yet (one file or directory)`, EXIT.invalid);
    cfg.inventory = path(list[0]);
  }
  if (d.get('roles_path')) cfg.rolesPath = d.get('roles_path')!.split(':').filter(Boolean).map(path);
  if (d.get('forks')) {
    const n = Number(d.get('forks'));
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${file}: forks = ${d.get('forks')} is not a whole number of hosts`, EXIT.invalid);
    cfg.forks = n;
  }
  if (d.get('remote_user')) cfg.remoteUser = d.get('remote_user');
  if (d.get('private_key_file')) cfg.privateKeyFile = path(d.get('private_key_file')!);
  if (d.get('host_key_checking')) cfg.hostKeyChecking = bool(d.get('host_key_checking')!, 'host_key_checking', file);
  if (d.get('vault_password_file')) cfg.vaultPasswordFile = path(d.get('vault_password_file')!);
  const pe = ini.get('privilege_escalation');
  if (pe?.get('become')) cfg.become = bool(pe.get('become')!, 'become', file);
  for (const [name, keys] of ini) for (const k of keys.keys()) if (!(APPLIED[name] ?? []).includes(k)) cfg.ignored.push(`${name}.${k}`);
  return cfg;
}

/** The ansible.cfg of this directory (see findAnsibleCfg), read; undefined when there is none. */
export function ansibleCfg(): AnsibleCfg | undefined {
  const file = findAnsibleCfg();
  return file ? readAnsibleCfg(file) : undefined;
}

type CfgFlags = { inventory?: string; forks?: number; acceptNew?: boolean; become?: boolean; vaultPasswordFile?: string };

/**
 * A command's flags with ansible.cfg's values where the command line gives none (its roles_path becomes
 * ANSIBLE_ROLES_PATH unless that is set, as in Ansible); its remote_user and private_key_file as connection
 * defaults under the inventory. host_key_checking = False trusts a host's first key (provision's --accept-new:
 * a changed key still fails). No inventory from either is an error.
 */
export function withAnsibleCfg<F extends CfgFlags>(f: F, cfg = ansibleCfg()):
  F & CfgFlags & { inventory: string; defaults?: { vars: Record<string, unknown>; source: string }; cfg?: AnsibleCfg } {
  if (cfg?.rolesPath && !process.env.ANSIBLE_ROLES_PATH) process.env.ANSIBLE_ROLES_PATH = cfg.rolesPath.join(':');
  const inventory = f.inventory ?? cfg?.inventory;
  if (!inventory) throw new UserError('no inventory: give -i PATH, or set inventory in the [defaults] of an ansible.cfg', EXIT.invalid);
  const vars = { ...(cfg?.remoteUser ? { ansible_user: cfg.remoteUser } : {}), ...(cfg?.privateKeyFile ? { ansible_ssh_private_key_file: cfg.privateKeyFile } : {}) };
  return {
    ...f, inventory,
    ...(f.forks === undefined && cfg?.forks ? { forks: cfg.forks } : {}),
    ...(!f.acceptNew && cfg?.hostKeyChecking === false ? { acceptNew: true } : {}),
    ...(!f.become && cfg?.become ? { become: true } : {}),
    ...(!f.vaultPasswordFile && cfg?.vaultPasswordFile ? { vaultPasswordFile: cfg.vaultPasswordFile } : {}),
    ...(cfg && Object.keys(vars).length ? { defaults: { vars, source: cfg.file } } : {}),
    cfg,
  };
}
