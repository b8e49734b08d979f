// Where the lab keeps its state, its hosts and its cached images: all outside the repository.
import { join } from 'node:path';

export const NAMES = {
  /** Every lab object (network namespaces, cgroups, machine names) carries this prefix. */
  tag: 'provlab',
  hubNs: 'provlab-hub',
  bridge: 'plbr0',
  rootVeth: 'plroot',
  hubVeth: 'plhub',
  cgroupTrees: ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'],
} as const;

export const DEFAULT_SUBNET = '10.233.0.0/16';
/** apt-cacher-ng listens here on the controller's loopback; the hub relays the bridge's :3142 to it. */
export const ACNG_PORT = 13142;
export const PROXY_PORT = 3142;

export function labDir(): string {
  return process.env.PROVISION_LAB_DIR ?? '/var/lib/provision/lab';
}

export function cacheDir(): string {
  return process.env.PROVISION_CACHE_DIR ?? '/var/cache/provision';
}

export const paths = {
  state: () => join(labDir(), 'state.json'),
  lock: () => join(labDir(), 'lock'),
  key: () => join(labDir(), 'id_ed25519'),
  hosts: () => join(labDir(), 'hosts'),
  host: (name: string) => join(labDir(), 'hosts', name),
  proxy: () => join(labDir(), 'proxy'),
  images: () => join(cacheDir(), 'images'),
  aptCache: () => join(cacheDir(), 'apt-cache'),
};

export const hostNs = (index: number) => `${NAMES.tag}-h${index}`;
export const hostVeth = (index: number) => `plh${index}`;
export const machineName = (name: string) => `${NAMES.tag}-${name}`;
