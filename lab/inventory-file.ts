// The inventory `lab up` writes: hosts.yml (group `lab`, a child group per prefix) and known_hosts.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { writeAtomic } from '../engine/atomic-file.ts';
import { paths } from './paths.ts';
import type { HostRecord } from './state.ts';

export const knownHostsPath = (inventoryDir: string) => join(resolve(inventoryDir), 'known_hosts');

/** Rewrites the inventory in `dir` from the hosts that belong to it; removes its files when none remain. */
export function writeInventory(dir: string, hosts: HostRecord[], mirror?: string): void {
  const mine = hosts.filter((h) => h.inventory === resolve(dir)).sort((a, b) => a.index - b.index);
  const hostsYml = join(dir, 'hosts.yml');
  if (mine.length === 0) {
    rmSync(hostsYml, { force: true });
    rmSync(knownHostsPath(dir), { force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  const children: Record<string, { hosts: Record<string, null> }> = {};
  for (const h of mine) (children[h.prefix] ??= { hosts: {} }).hosts[h.name] = null;
  const doc = {
    all: {
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: paths.key(), known_hosts: knownHostsPath(dir),
        ...(mirror ? { node_mirror: `${mirror}/dist`, meteor_base_url: mirror, npm_registry: `${mirror}/npm/${new URL(mirror).hostname}/` } : {}) },
      children: {
        lab: {
          hosts: Object.fromEntries(mine.map((h) => [h.name, { ansible_host: h.address }])),
          children,
        },
      },
    },
  };
  const header = '# Written by `provision lab up`; rewritten by every lab command. Do not edit.\n';
  writeAtomic(hostsYml, header + dump(doc, { lineWidth: 200 }), 0o644);
  writeAtomic(knownHostsPath(dir), mine.map((h) => `${h.address} ${h.hostKey}\n`).join(''), 0o644);
}
