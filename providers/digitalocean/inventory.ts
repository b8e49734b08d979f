// The part of an inventory directory that `provision hosts create --provider digitalocean` owns:
// digitalocean.yml (group `digitalocean`, a child group per --group, each droplet's address and id) and the
// droplets' lines in known_hosts. The user's own files beside them are read, never written.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump, load } from 'js-yaml';
import { writeAtomic } from '../../engine/atomic-file.ts';
import { UserError } from '../../engine/errors.ts';
import { type Inventory, loadInventory } from '../../engine/inventory/inventory.ts';

export type DoHost = { name: string; group: string; address: string; dropletId: number };

const FILE = 'digitalocean.yml';
const HEADER = '# Written by `provision hosts create --provider digitalocean`; rewritten by `provision hosts ...`. Do not edit.\n';

export const doFilePath = (dir: string) => join(resolve(dir), FILE);
export const knownHostsFile = (dir: string) => join(resolve(dir), 'known_hosts');


type Doc = { all?: { children?: { digitalocean?: { children?: Record<string, { hosts?: Record<string, { ansible_host?: string; do_droplet_id?: number }> }> } } } };

/** The droplets recorded in the inventory directory, in file order. */
export function readDoHosts(dir: string): DoHost[] {
  const path = doFilePath(dir);
  if (!existsSync(path)) return [];
  const doc = load(readFileSync(path, 'utf8')) as Doc | null;
  const out: DoHost[] = [];
  for (const [group, g] of Object.entries(doc?.all?.children?.digitalocean?.children ?? {})) {
    for (const [name, h] of Object.entries(g?.hosts ?? {})) {
      if (typeof h?.ansible_host !== 'string' || typeof h.do_droplet_id !== 'number') {
        throw new UserError(`${path}: host ${name} has no ansible_host or do_droplet_id; this file is written by provision, do not edit it`);
      }
      out.push({ name, group, address: h.ansible_host, dropletId: h.do_droplet_id });
    }
  }
  return out;
}

/** Rewrites digitalocean.yml from `hosts`; removes it when none remain. */
export function writeDoHosts(dir: string, hosts: DoHost[]): void {
  const path = doFilePath(dir);
  if (!hosts.length) return void rmSync(path, { force: true });
  mkdirSync(resolve(dir), { recursive: true });
  const children: Record<string, { hosts: Record<string, { ansible_host: string; do_droplet_id: number }> }> = {};
  for (const h of hosts) (children[h.group] ??= { hosts: {} }).hosts[h.name] = { ansible_host: h.address, do_droplet_id: h.dropletId };
  // known_hosts on the group: the keys pinned at creation are there, whatever the user's own files point at.
  const doc = { all: { children: { digitalocean: { vars: { known_hosts: knownHostsFile(dir) }, children } } } };
  writeAtomic(path, HEADER + dump(doc, { lineWidth: 200 }), 0o644);
}

/** known_hosts with every line naming one of `drop` removed and `add` appended; other lines are kept as they were. */
export function editKnownHosts(dir: string, drop: string[], add: Array<{ address: string; hostKey: string }>): void {
  const path = knownHostsFile(dir);
  const gone = new Set([...drop, ...add.map((a) => a.address)].flatMap((a) => [a, `[${a}]:22`]));
  const old = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
  const kept = old.filter((line) => {
    const names = line.trim().startsWith('#') ? [] : (line.trim().split(/\s+/)[0] ?? '').split(',');
    return !names.some((n) => gone.has(n));
  });
  const lines = [...kept, ...add.map((a) => `${a.address} ${a.hostKey.trim()}`)];
  if (!lines.length) return void rmSync(path, { force: true });
  mkdirSync(resolve(dir), { recursive: true });
  writeAtomic(path, lines.join('\n') + '\n', 0o644);
}

/** The inventory in `dir`, or none yet (an empty one) when the directory does not exist. */
export function inventoryIn(dir: string): Inventory | undefined {
  if (!existsSync(resolve(dir))) return undefined;
  return loadInventory(dir);
}

/** Refuses an inventory that `provision lab up` owns: it rewrites hosts.yml and known_hosts wholesale. */
export function refuseLabInventory(dir: string): void {
  const hostsYml = join(resolve(dir), 'hosts.yml');
  if (existsSync(hostsYml) && readFileSync(hostsYml, 'utf8').startsWith('# Written by `provision lab up`')) {
    throw new UserError(`${dir} is a lab inventory (its hosts.yml is written by \`provision lab up\`): give droplets an inventory of their own with -i`);
  }
}

/** `count` new names `group-N`, numbered after every `group-N` already in the inventory. */
export function nextNames(inv: Inventory | undefined, group: string, count: number): string[] {
  const re = new RegExp(`^${group.replace(/[.-]/g, '\\$&')}-(\\d+)$`);
  const max = Math.max(0, ...[...(inv?.hosts.keys() ?? [])].map((n) => Number(re.exec(n)?.[1] ?? 0)));
  return Array.from({ length: count }, (_, i) => `${group}-${max + i + 1}`);
}
