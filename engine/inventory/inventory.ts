// The inventory: hosts and groups from YAML or INI files (or a directory of them), group_vars/ and
// host_vars/ beside them, each variable with its file:line; host variables by precedence (how a host is reached:
// connection.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { EXIT, UserError, type Where } from '../errors.ts';
import type { Decl, GroupEntry, Inventory } from './types.ts';
import type { VarLayer } from '../vars/vars.ts';
import { parseIni } from './ini.ts';
import { readTextFile } from '../local-files.ts';
import { parseYamlInventory } from './yaml.ts';
import { markVaultVars } from '../redact.ts';
import { unvault } from '../vault/password.ts';
import { loadWithPositions } from '../yaml/positions.ts';

export { selectHosts, expandHostRange } from './patterns.ts';
export type { Inventory, HostEntry, GroupEntry } from './types.ts';

const at0 = (file: string): Where => ({ file, line: 0, col: 0 });
const fmt = (at: Where) => (at.line ? `${at.file}:${at.line}:${at.col}` : at.file);
function fail(at: Where, message: string): never {
  throw new UserError(`${fmt(at)}: ${message}`, EXIT.invalid);
}

const YAML_EXT = new Set(['.yml', '.yaml', '.json']);
const rel = (path: string) => relative(process.cwd(), path) || path;

/** The inventory files directly in a directory, by name: YAML, INI and extension-less (INI) files. */
function inventoryFiles(dir: string): string[] {
  return readdirSync(dir).sort().filter((name) => {
    if (name.startsWith('.') || /^readme/i.test(name) || ['known_hosts', 'group_vars', 'host_vars'].includes(name)) return false;
    const ext = extname(name);
    return (YAML_EXT.has(ext) || ext === '.ini' || ext === '') && !name.endsWith('~') && statSync(join(dir, name)).isFile();
  }).map((name) => join(dir, name));
}

function read(path: string): string {
  try {
    return readTextFile(path, 'inventory or vars file');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Too large: the whole file is at fault, named at its start as a playbook is (FILE:1:1).
    if (e.code === 'EFBIG') return fail({ file: rel(path), line: 1, col: 1 }, e.message);
    return fail(at0(rel(path)), `cannot read: ${e.code ?? e.message}`);
  }
}

/** An extension-less file that looks like YAML (`---`, or a first line `name:`) is read as YAML. */
const looksYaml = (text: string) => /^(---|[\w.-]+:\s*(#.*)?)$/.test(text.split('\n').map((l) => l.trim()).find((l) => l && !/^[#;]/.test(l)) ?? '');

/** An inventory file; a vault file is decrypted in memory and its variables made sensitive. */
function parseFile(path: string, known: ReadonlySet<string>): Decl[] {
  const { text, vault } = unvault(read(path), rel(path));
  const ext = extname(path);
  const decls = YAML_EXT.has(ext) || (ext === '' && looksYaml(text))
    ? parseYamlInventory(loadWithPositions(text, rel(path)), rel(path))
    : parseIni(text, rel(path), known);
  if (vault) markVaultVars(Object.fromEntries(decls.flatMap((d) => (d.kind === 'var' ? [[d.key, d.value]] : []))));
  return decls;
}

function ensureGroup(inv: Inventory, name: string, at: Where): GroupEntry {
  let g = inv.groups.get(name);
  if (!g) inv.groups.set(name, (g = { name, parents: [], children: [], hosts: [], depth: 0, vars: {}, at }));
  return g;
}

/** The chain of children from `from` down to `to`, if there is one. */
function descent(inv: Inventory, from: string, to: string, seen = new Set<string>()): string[] | undefined {
  if (from === to) return [to];
  if (seen.has(from)) return undefined;
  seen.add(from);
  for (const c of inv.groups.get(from)?.children ?? []) {
    const rest = descent(inv, c, to, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

function apply(inv: Inventory, decls: Decl[]): void {
  for (const d of decls) {
    const source = `${d.at.file}:${d.at.line}`;
    if (d.kind === 'group') ensureGroup(inv, d.name, d.at);
    else if (d.kind === 'host') {
      if (!inv.hosts.has(d.name)) inv.hosts.set(d.name, { name: d.name, groups: [], vars: {}, at: d.at });
      const g = ensureGroup(inv, d.group, d.at);
      if (d.group !== 'all' && !g.hosts.includes(d.name)) g.hosts.push(d.name);
    } else if (d.kind === 'child') {
      if (d.child === 'all') fail(d.at, `group "all" holds every group; it cannot be a child of "${d.parent}"`);
      const parent = ensureGroup(inv, d.parent, d.at);
      const child = ensureGroup(inv, d.child, d.at);
      if (parent.children.includes(d.child)) continue;
      const loop = descent(inv, d.child, d.parent);
      if (loop) fail(d.at, `group "${d.child}" as a child of "${d.parent}" makes a cycle: ${[...loop, d.child].join(' > ')}`);
      parent.children.push(d.child);
      child.parents.push(d.parent);
    } else if (d.target === 'group') {
      ensureGroup(inv, d.name, d.at).vars[d.key] = { value: d.value, source: `${source} (group ${d.name})` };
    } else {
      inv.hosts.get(d.name)!.vars[d.key] = { value: d.value, source: `${source} (host ${d.name})` };
    }
  }
}

/** Groups without a parent go under `all`; hosts in no group go to `ungrouped`; depths and host groups are set. */
function finish(inv: Inventory): void {
  const all = inv.groups.get('all')!;
  for (const g of inv.groups.values()) {
    if (g.name !== 'all' && g.parents.length === 0) {
      g.parents.push('all');
      all.children.push(g.name);
    }
  }
  // A host listed only under `all` (or nowhere else) is in `ungrouped`; one in another group is not.
  const ungrouped = inv.groups.get('ungrouped')!;
  const direct = new Map<string, string[]>([...inv.hosts.keys()].map((h) => [h, []]));
  for (const g of inv.groups.values()) if (g.name !== 'ungrouped') for (const h of g.hosts) direct.get(h)!.push(g.name);
  ungrouped.hosts = [...inv.hosts.keys()].filter((h) => direct.get(h)!.length === 0);
  const depths = new Map<string, number>([['all', 0]]);
  const depth = (name: string): number => {
    if (!depths.has(name)) depths.set(name, Math.max(...inv.groups.get(name)!.parents.map(depth)) + 1);
    return depths.get(name)!;
  };
  for (const g of inv.groups.values()) g.depth = depth(g.name);
  const ancestors = (name: string, into: Set<string>): Set<string> => {
    inv.groups.get(name)!.parents.forEach((p) => ancestors(p, into.add(p)));
    return into;
  };
  for (const h of inv.hosts.values()) {
    const mine = direct.get(h.name)!.length ? direct.get(h.name)! : ['ungrouped'];
    const set = mine.reduce((acc, g) => ancestors(g, acc.add(g)), new Set<string>(['all']));
    h.groups = [...set].sort((a, b) => depths.get(a)! - depths.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    const clash = inv.groups.get(h.name);
    if (clash) fail(h.at, `host "${h.name}" has the same name as a group (defined at ${fmt(clash.at)})`);
  }
}

/** The files of group_vars/NAME or host_vars/NAME: NAME, NAME.yml, NAME.yaml, NAME.json; a directory's YAML files by name. */
function varsFiles(dir: string, entries: Set<string>, name: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d).sort().filter((n) => !n.startsWith('.')).flatMap((n) => {
      const p = join(d, n);
      return statSync(p).isDirectory() ? walk(p) : YAML_EXT.has(extname(n)) ? [p] : [];
    });
  return [name, `${name}.yml`, `${name}.yaml`, `${name}.json`]
    .filter((n) => entries.has(n))
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** A group_vars/host_vars file; a vault file is decrypted in memory (lines are the plaintext's) and its variables made sensitive. */
function loadVarsFile(path: string, into: VarLayer, inv: Inventory): void {
  const file = rel(path);
  const { text, vault } = unvault(read(path), file);
  const doc = loadWithPositions(text, file);
  inv.sources.push(file);
  if (doc.value === null || doc.value === undefined) return;
  if (typeof doc.value !== 'object' || Array.isArray(doc.value)) fail({ file, ...(doc.pos([]) ?? { line: 0, col: 0 }) }, 'a variables file must be a mapping of variables');
  if (vault) markVaultVars(doc.value as Record<string, unknown>);
  for (const [key, value] of Object.entries(doc.value)) into[key] = { value, source: `${file}:${doc.keyPos([key])?.line ?? 1}${vault ? ' (vault)' : ''}` };
}

/** Loads an inventory file, or every inventory file in a directory, with group_vars/ and host_vars/ beside it. */
export function loadInventory(path: string): Inventory {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UserError(`inventory ${path} does not exist`, EXIT.invalid);
  const isDir = statSync(abs).isDirectory();
  const inv: Inventory = { hosts: new Map(), groups: new Map(), sources: [] };
  ensureGroup(inv, 'all', at0(rel(abs)));
  ensureGroup(inv, 'ungrouped', at0(rel(abs)));
  for (const file of isDir ? inventoryFiles(abs) : [abs]) {
    apply(inv, parseFile(file, new Set(inv.groups.keys())));
    inv.sources.push(rel(file));
  }
  finish(inv);
  const base = isDir ? abs : dirname(abs);
  for (const [kind, entities] of [['group_vars', inv.groups], ['host_vars', inv.hosts]] as const) {
    const dir = join(base, kind);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    const entries = new Set(readdirSync(dir));
    for (const e of entities.values()) for (const f of varsFiles(dir, entries, e.name)) loadVarsFile(f, e.vars, inv);
  }
  return inv;
}

/** A host's inventory variables, each with its source: all < groups (by depth, then name) < the host. */
/**
 * Defaults under every inventory variable (ansible.cfg's remote_user, private_key_file): set on the `all` group
 * where it sets none, so any group or host value wins, as over Ansible's configuration.
 */
export function withDefaults(inv: Inventory, defaults: Record<string, unknown>, source: string): Inventory {
  const all = inv.groups.get('all')!.vars;
  for (const [k, value] of Object.entries(defaults)) if (!(k in all)) all[k] = { value, source };
  return inv;
}

export function hostVars(inv: Inventory, host: string): VarLayer {
  const h = inv.hosts.get(host);
  if (!h) throw new UserError(`host "${host}" is not in the inventory (${inv.sources[0] ?? 'empty'})`, EXIT.invalid);
  return Object.assign({}, ...h.groups.map((g) => inv.groups.get(g)!.vars), h.vars);
}

/** Plain values of a layer. */
export const varValues = (layer: VarLayer): Record<string, unknown> => Object.fromEntries(Object.entries(layer).map(([k, s]) => [k, s.value]));
