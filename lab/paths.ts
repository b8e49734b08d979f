// Where the lab keeps its state, its hosts and its cached images: all outside the repository.
import { join } from 'node:path';

/**
 * The lab's tag names everything it makes (network namespaces, cgroups, machine names, the controller's
 * veth). Another tag (PROVISION_LAB_TAG, with its own PROVISION_LAB_DIR and --subnet) is a second lab
 * beside the first, sharing nothing but the cached images and mirror.
 */
export function labTag(): string {
  const tag = process.env.PROVISION_LAB_TAG ?? 'provlab';
  if (!/^[a-z]{2,7}$/.test(tag)) throw new Error(`PROVISION_LAB_TAG "${tag}" must be 2-7 lowercase letters`);
  return tag;
}

export const NAMES = {
  get tag() { return labTag(); },
  get hubNs() { return `${labTag()}-hub`; },
  /** Inside the hub namespace: the same name in every lab. */
  bridge: 'plbr0',
  /** The controller's end, in the root namespace: one per lab. */
  get rootVeth() { return labTag() === 'provlab' ? 'plroot' : `${labTag()}root`; },
  hubVeth: 'plhub',
  cgroupTrees: ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'],
};

export const DEFAULT_SUBNET = '10.233.0.0/16';
/** Hosts a lab subnet holds: 10.X.1.1 .. 10.X.1.254. */
export const MAX_HOSTS = 254;
/** The hub relays the bridge's :3142 to apt-cacher-ng on the controller's loopback, one port per lab. */
export const PROXY_PORT = 3142;
export const acngPort = (subnetOctet2: number) => 13000 + subnetOctet2;

export function labDir(): string {
  return process.env.PROVISION_LAB_DIR ?? `/var/lib/provision/${labTag() === 'provlab' ? 'lab' : `lab-${labTag()}`}`;
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
  aptCache: () => join(labTag() === 'provlab' ? cacheDir() : labDir(), 'apt-cache'),
};

export const hostNs = (index: number) => `${NAMES.tag}-h${index}`;
export const hostVeth = (index: number) => `plh${index}`;
export const machineName = (name: string) => `${NAMES.tag}-${name}`;
