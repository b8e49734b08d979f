// `provision lab up | down | list`: disposable Debian droplets on this machine.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Listr } from 'listr2';
import { UserError } from '../engine/errors.ts';
import { SshConnection } from '../engine/transport/ssh.ts';
import { ensureImage, imageReady } from './image.ts';
import { writeInventory } from './inventory-file.ts';
import { hostAlive, killLeftovers, launchHost, prepareHost, removeCgroups, removeHostFiles, stopHost, waitSshd } from './host.ts';
import { MAX_HOSTS, addr, checkSubnetFree, createHostNet, createHub, hubExists, labNamespaces, mac, parseSubnet, removeHostNet, removeHub } from './network.ts';
import { NAMES, PROXY_PORT, hostNs, paths } from './paths.ts';
import { checkDisk, checkTools, raiseInotifyLimits, requireRoot } from './preflight.ts';
import { run } from './proc.ts';
import { ensureProxy, stopProxy, stopStrayDaemons } from './proxy.ts';
import { ensureMirror, mirrorUrl } from './mirror.ts';
import { type HostRecord, type LabState, loadState, saveState, withLabLock } from './state.ts';

export type UpOptions = {
  count: number; prefix: string; inventory: string; subnet?: string; quiet?: boolean; init?: 'systemd' | 'sysv';
  /** Start from these layers (an image of a host) instead of the stock image. */
  layers?: string[];
  /** Add to the hosts of this prefix (numbered after them) instead of refusing a prefix in use. */
  append?: boolean;
};

const START_ATTEMPTS = 3;

/** Passes on at most one progress line a second: debootstrap and apt print hundreds. */
function throttle(report: (line: string) => void): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last >= 1000 && line.trim()) {
      last = now;
      report(line.trim());
    }
  };
}

function rewriteInventories(state: LabState, dirs: Iterable<string>): void {
  const mirror = mirrorUrl(addr.bridge(parseSubnet(state.subnet)));
  for (const dir of new Set(dirs)) writeInventory(dir, Object.values(state.hosts), mirror);
}

async function removeHost(state: LabState, h: HostRecord): Promise<void> {
  await stopHost(h);
  await killLeftovers(h.name);
  await removeHostNet(h.index);
  removeCgroups(h.name);
  removeHostFiles(h.name);
  delete state.hosts[h.name];
}

/** Removes the shared parts (proxy, hub, cgroup trees, stray namespaces) once no host is left. */
async function removeSharedIfIdle(state: LabState): Promise<void> {
  const live = new Set(Object.values(state.hosts).map((h) => hostNs(h.index)));
  for (const ns of await labNamespaces()) {
    if (ns !== NAMES.hubNs && !live.has(ns)) await run(['ip', 'netns', 'del', ns]);
  }
  if (Object.keys(state.hosts).length > 0) return;
  await stopProxy(state.proxy);
  await stopStrayDaemons(addr.bridge(parseSubnet(state.subnet)));
  state.proxy = {};
  await removeHub();
  removeCgroups();
  if (existsSync(paths.hosts())) for (const name of readdirSync(paths.hosts())) removeHostFiles(name);
}

/** Cleans up after a crashed lab: hosts whose nspawn is gone, and what they left behind. */
async function reap(state: LabState): Promise<void> {
  const dead = Object.values(state.hosts).filter((h) => !hostAlive(h));
  for (const h of dead) await removeHost(state, h);
  await removeSharedIfIdle(state);
  rewriteInventories(state, dead.map((h) => h.inventory));
  saveState(state);
}

function allocate(state: LabState, o: UpOptions): HostRecord[] {
  const used = new Set(Object.values(state.hosts).map((h) => h.index));
  const subnet = parseSubnet(state.subnet);
  const out: HostRecord[] = [];
  const numbers = Object.values(state.hosts).filter((h) => h.prefix === o.prefix).map((h) => Number(h.name.slice(o.prefix.length + 1)));
  const first = Math.max(0, ...numbers) + 1;
  for (let n = first, index = 1; n < first + o.count; n++) {
    while (used.has(index)) index++;
    if (index > MAX_HOSTS) throw new UserError(`the lab holds at most ${MAX_HOSTS} hosts`);
    const name = `${o.prefix}-${n}`;
    if (state.hosts[name]) throw new UserError(`a lab host named ${name} exists already: choose another --prefix`);
    out.push({ name, prefix: o.prefix, index, address: addr.host(subnet, index), mac: mac.host(index),
      inventory: resolve(o.inventory), layers: [], hostKey: '', init: o.init ?? 'systemd' });
    used.add(index);
  }
  return out;
}

/** Waits until the host's systemd reports `running`, over SSH with the host's own key pinned. */
async function waitRunning(h: HostRecord): Promise<void> {
  const knownHosts = join(paths.host(h.name), 'known_hosts');
  writeFileSync(knownHosts, `${h.address} ${h.hostKey}\n`);
  const ssh = await SshConnection.connect({ name: h.name, host: h.address, user: 'root', privateKeyPath: paths.key(), knownHostsPath: knownHosts });
  try {
    if (h.init === 'sysv') {
      const r = await ssh.exec('test ! -d /run/systemd/system && hostname');
      if (r.code !== 0 || r.stdout.trim() !== h.name) throw new Error(`${h.name}: not the sysv host expected (${r.stdout.trim()})`);
      return;
    }
    const r = await ssh.exec('timeout 60 systemctl is-system-running --wait; systemctl --failed --no-legend --plain');
    const [status, ...failed] = r.stdout.trim().split('\n');
    if (status !== 'running') throw new Error(`${h.name}: systemd is ${status}${failed.length ? `; failed units: ${failed.join(', ')}` : ''}`);
  } finally {
    ssh.close();
  }
}

async function startHost(state: LabState, h: HostRecord, publicKey: string, proxyUrl: string, report: (s: string) => void): Promise<void> {
  const subnet = parseSubnet(state.subnet);
  for (let attempt = 1; ; attempt++) {
    try {
      h.hostKey = await prepareHost(h, publicKey, proxyUrl);
      await createHostNet(subnet, h.index);
      h.pid = launchHost(h);
      state.hosts[h.name] = h;
      saveState(state);
      report(`booting (pid ${h.pid})`);
      await waitSshd(h, h.pid);
      await waitRunning(h);
      return;
    } catch (err) {
      await stopHost(h);
      await killLeftovers(h.name);
      removeCgroups(h.name);
      if (attempt >= START_ATTEMPTS) throw err;
      report(`retrying: ${(err as Error).message}`);
    }
  }
}

async function ensureLabKey(): Promise<string> {
  if (!existsSync(paths.key())) {
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'provision-lab', '-f', paths.key()]);
  }
  return readFileSync(`${paths.key()}.pub`, 'utf8');
}

export async function labUp(o: UpOptions): Promise<HostRecord[]> {
  requireRoot();
  if (!/^[a-z][a-z0-9]{0,11}$/.test(o.prefix)) {
    throw new UserError(`--prefix "${o.prefix}" must be 1-12 lowercase letters and digits, starting with a letter`, 4);
  }
  await checkTools(!imageReady());
  return withLabLock(async () => {
    const state = loadState();
    await reap(state);
    const inUse = Object.values(state.hosts).filter((h) => h.prefix === o.prefix).sort((a, b) => a.index - b.index);
    if (inUse.length && !o.append) {
      throw new UserError(`prefix "${o.prefix}" is in use by ${inUse.map((h) => h.name).join(', ')}: ` +
        `run \`provision lab down --prefix ${o.prefix}\` or choose another --prefix`);
    }
    if (o.subnet && o.subnet !== state.subnet) {
      await checkSubnetFree(parseSubnet(o.subnet));
      if (Object.keys(state.hosts).length) throw new UserError(`the lab is running on ${state.subnet}: take it down before changing --subnet`);
      state.subnet = o.subnet;
    }
    const subnet = parseSubnet(state.subnet);
    const fresh = allocate(state, o);
    const proxyUrl = `http://${addr.bridge(subnet)}:${PROXY_PORT}`;
    const failures: Error[] = [];
    const tasks = new Listr([
      {
        title: 'Base image',
        skip: () => imageReady() && 'cached',
        task: async (_ctx, t) => {
          checkDisk(paths.images(), 1024, 'building the base image');
          await ensureImage(throttle((line) => { t.output = line; }));
        },
        rendererOptions: { outputBar: 1 },
      },
      {
        title: `Network ${subnet.base}, apt proxy ${proxyUrl}, mirror ${mirrorUrl(addr.bridge(subnet))}`,
        task: async () => {
          checkDisk(paths.hosts(), 100 + 50 * o.count, `starting ${o.count} hosts`);
          await raiseInotifyLimits();
          if (!hubExists()) {
            await checkSubnetFree(subnet);
            await createHub(subnet);
          }
          await ensureMirror(addr.bridge(subnet)); // cached: fills in only what a newer provision serves and this machine lacks
          try {
            state.proxy = await ensureProxy(state.proxy, addr.bridge(subnet));
          } finally {
            saveState(state);
          }
        },
      },
      {
        title: `Start ${o.count} host${o.count > 1 ? 's' : ''}`,
        task: async (_ctx, t) => {
          const publicKey = await ensureLabKey();
          const layers = o.layers ?? (await ensureImage(() => {})).layers;
          return t.newListr(fresh.map((h) => ({
            title: `${h.name} ${h.address}`,
            task: async (_c, ht) => {
              h.layers = layers;
              try {
                await startHost(state, h, publicKey, proxyUrl, (s) => { ht.output = s; });
              } catch (err) {
                failures.push(err as Error);
                throw err;
              }
            },
          })), { concurrent: true, exitOnError: false });
        },
      },
    ], { renderer: o.quiet ? 'silent' : 'default', fallbackRenderer: o.quiet ? 'silent' : 'simple', exitOnError: true });
    try {
      await tasks.run();
      if (failures.length) throw new UserError(failures.map((e) => e.message).join('; '));
    } catch (err) {
      for (const h of fresh) if (state.hosts[h.name]) await removeHost(state, h);
      await removeSharedIfIdle(state);
      saveState(state);
      throw err;
    }
    saveState(state);
    rewriteInventories(state, [resolve(o.inventory)]);
    return fresh;
  });
}

/** Halts the hosts (of one prefix, or all; only those `names` if given) and removes everything the lab made for them. */
export async function labDown(prefix?: string, names?: string[]): Promise<string[]> {
  requireRoot();
  return withLabLock(async () => {
    const state = loadState();
    const targets = Object.values(state.hosts).filter((h) => (!prefix || h.prefix === prefix) && (!names || names.includes(h.name)));
    await Promise.all(targets.map((h) => stopHost(h)));
    for (const h of targets) await removeHost(state, h);
    await removeSharedIfIdle(state);
    saveState(state);
    rewriteInventories(state, targets.map((h) => h.inventory));
    return targets.map((h) => h.name);
  });
}

export type HostStatus = HostRecord & { state: 'running' | 'dead' };

export function labList(): HostStatus[] {
  return Object.values(loadState().hosts)
    .sort((a, b) => a.index - b.index)
    .map((h) => ({ ...h, state: hostAlive(h) ? 'running' : 'dead' }));
}
