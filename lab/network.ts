// The lab network: a hub namespace with a bridge, the controller joined to it by a veth,
// and one namespace per host. Hosts get no default route: nothing they send leaves the lab.
import { existsSync } from 'node:fs';
import { UserError } from '../engine/errors.ts';
import { MAX_HOSTS, NAMES, hostNs, hostVeth } from './paths.ts';

export { MAX_HOSTS };
import { run } from './proc.ts';

export type Subnet = { base: string; octets: [number, number] };

export function parseSubnet(cidr: string): Subnet {
  const m = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
    throw new UserError(`lab subnet "${cidr}" is not an IPv4 /16 like 10.233.0.0/16`, 4);
  }
  return { base: cidr, octets: [Number(m[1]), Number(m[2])] };
}

export const addr = {
  controller: (s: Subnet) => `${s.octets.join('.')}.0.1`,
  bridge: (s: Subnet) => `${s.octets.join('.')}.0.254`,
  host: (s: Subnet, index: number) => `${s.octets.join('.')}.1.${index}`,
};

/** Fixed MACs, so a host re-created at the same address is reachable at once (no stale ARP). */
export const mac = {
  bridge: '02:50:4c:ff:00:01',
  /** In the root namespace, so distinct per lab (by the subnet's second octet). */
  controller: (s: Subnet) => `02:50:4c:ff:${s.octets[1].toString(16).padStart(2, '0')}:02`,
  hubSide: '02:50:4c:ff:00:03',
  host: (index: number) => `02:50:4c:00:00:${index.toString(16).padStart(2, '0')}`,
  hostHubSide: (index: number) => `02:50:4c:01:00:${index.toString(16).padStart(2, '0')}`,
};

const nsExists = (ns: string) => existsSync(`/run/netns/${ns}`);

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

function range(cidr: string): [number, number] {
  const [ip, bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = toInt(ip) - (toInt(ip) % size);
  return [start, start + size - 1];
}

export type Route = { dst: string; dev?: string };

/** The first route of this machine, other than the lab's own, whose range overlaps the subnet. */
export function conflictingRoute(s: Subnet, routes: Route[]): Route | undefined {
  const [lo, hi] = range(s.base);
  return routes.find((r) => {
    if (r.dst === 'default' || r.dev === NAMES.rootVeth || r.dev === 'lo' || !/^\d/.test(r.dst)) return false;
    const [a, b] = range(r.dst);
    return a <= hi && lo <= b;
  });
}

/** Refuses a subnet that overlaps a route of this machine other than the lab's own. */
export async function checkSubnetFree(s: Subnet): Promise<void> {
  const routes = JSON.parse(await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])) as Route[];
  const r = conflictingRoute(s, routes);
  if (r) throw new UserError(`the lab subnet ${s.base} is taken by route ${r.dst} on ${r.dev ?? '?'}: pass --subnet with a free /16`);
}

export function hubExists(): boolean {
  return nsExists(NAMES.hubNs);
}

export async function createHub(s: Subnet): Promise<void> {
  const inHub = (...argv: string[]) => run(['ip', '-n', NAMES.hubNs, ...argv]);
  await run(['ip', 'netns', 'add', NAMES.hubNs]);
  await inHub('link', 'set', 'lo', 'up');
  await inHub('link', 'add', NAMES.bridge, 'address', mac.bridge, 'type', 'bridge');
  await inHub('addr', 'add', `${addr.bridge(s)}/16`, 'dev', NAMES.bridge);
  await inHub('link', 'set', NAMES.bridge, 'up');
  await run(['ip', 'link', 'add', NAMES.rootVeth, 'address', mac.controller(s), 'type', 'veth',
    'peer', 'name', NAMES.hubVeth, 'address', mac.hubSide, 'netns', NAMES.hubNs]);
  await run(['ip', 'addr', 'add', `${addr.controller(s)}/16`, 'dev', NAMES.rootVeth]);
  await run(['ip', 'link', 'set', NAMES.rootVeth, 'up']);
  await inHub('link', 'set', NAMES.hubVeth, 'master', NAMES.bridge, 'up');
}

export async function removeHub(): Promise<void> {
  if (nsExists(NAMES.hubNs)) await run(['ip', 'netns', 'del', NAMES.hubNs]);
  // The kernel removes the controller's end with the namespace, but not always at once.
  await run(['ip', 'link', 'del', NAMES.rootVeth], { nothrow: true });
}

export async function createHostNet(s: Subnet, index: number): Promise<void> {
  const ns = hostNs(index);
  await removeHostNet(index);
  await run(['ip', 'netns', 'add', ns]);
  await run(['ip', '-n', NAMES.hubNs, 'link', 'add', hostVeth(index), 'address', mac.hostHubSide(index), 'type', 'veth',
    'peer', 'name', 'eth0', 'address', mac.host(index), 'netns', ns]);
  await run(['ip', '-n', NAMES.hubNs, 'link', 'set', hostVeth(index), 'master', NAMES.bridge, 'up']);
  await run(['ip', '-n', ns, 'addr', 'add', `${addr.host(s, index)}/16`, 'dev', 'eth0']);
  await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

/**
 * Deleting a host's namespace removes both ends of its veth, but asynchronously: delete the pair
 * from the hub side first, so the same index can be used again at once.
 */
export async function removeHostNet(index: number): Promise<void> {
  if (nsExists(NAMES.hubNs)) await run(['ip', '-n', NAMES.hubNs, 'link', 'del', hostVeth(index)], { nothrow: true });
  if (nsExists(hostNs(index))) await run(['ip', 'netns', 'del', hostNs(index)]);
}

/** Every network namespace the lab made, live or left by a crash. */
export async function labNamespaces(): Promise<string[]> {
  const out = await run(['ip', 'netns', 'list']);
  return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${NAMES.tag}-`));
}
