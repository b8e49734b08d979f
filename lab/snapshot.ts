// Images of lab hosts: a consistent copy of a running host's own layer (its processes frozen while it is
// taken), minus the host's identity and runtime state, stacked over the layers the host itself runs on.
// Clones start from it in seconds and share every layer.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../engine/errors.ts';
import { shq } from '../engine/shell.ts';
import { hostAlive } from './host.ts';
import { NAMES, paths } from './paths.ts';
import { run } from './proc.ts';
import type { HostRecord, LabState } from './state.ts';

export type LabImage = {
  name: string;
  /** The host it was taken from. */
  source: string;
  created: string;
  /** Overlay lower layers, top first: this image's own layer, then the source's layers. */
  layers: string[];
  init: 'systemd' | 'sysv';
  /** Size of the image's own layer. */
  bytes: number;
  /** How long the source's processes were frozen. */
  frozenMs: number;
};

const root = () => join(paths.images(), 'user');
const dirOf = (name: string) => join(root(), name);
const metaOf = (name: string) => join(dirOf(name), 'image.json');

export function checkImageName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
    throw new UserError(`image name "${name}" must be 1-40 lowercase letters, digits and dashes, starting with a letter`, 4);
  }
}

/**
 * What never goes into an image (paths relative to the root): the source's identity, which every clone
 * gets anew, and runtime state that would be stale or wrong on another host.
 */
export const NOT_IN_IMAGE = {
  paths: ['etc/ssh/ssh_host_*', 'etc/machine-id', 'etc/hostname', 'etc/hosts', 'root/.ssh/authorized_keys',
    'etc/apt/apt.conf.d/01provision-lab-proxy', 'var/lib/systemd/random-seed', 'var/lib/systemd/credential.secret',
    'var/log/journal', 'run', 'var/run', 'tmp', 'var/tmp', 'var/cache/apt/archives/*.deb'],
  /** Logs and pid files, wherever the services put them. */
  findArgs: ['(', '-path', '*/var/log/*', '-o', '-name', '*.pid', '-o', '-path', '*/.forever/pids/*', '-o', '-path', '*/.forever/*.log',
    '-o', '-path', '*/shared/log/*', ')', '-type', 'f'],
};

export function listImages(): LabImage[] {
  if (!existsSync(root())) return [];
  return readdirSync(root()).filter((n) => existsSync(metaOf(n)))
    .map((n) => JSON.parse(readFileSync(metaOf(n), 'utf8')) as LabImage)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function findImage(name: string): LabImage {
  checkImageName(name);
  if (!existsSync(metaOf(name))) throw new UserError(`no image named ${name}: see \`provision image list\``);
  return JSON.parse(readFileSync(metaOf(name), 'utf8')) as LabImage;
}

/** Freezes (or thaws) every process of the host (cgroup v2 freezer); resolves once the kernel reports it done. */
async function freeze(h: HostRecord, on: boolean): Promise<void> {
  const cgroup = join(NAMES.cgroupTrees[1], NAMES.tag, h.name);
  writeFileSync(join(cgroup, 'cgroup.freeze'), on ? '1' : '0');
  for (let i = 0; i < 400; i++) {
    if (readFileSync(join(cgroup, 'cgroup.events'), 'utf8').includes(`frozen ${on ? 1 : 0}`)) return;
    await sleep(25);
  }
  throw new Error(`${h.name}: its processes did not ${on ? 'freeze' : 'thaw'} within 10 s`);
}

export type ImagePlan = { image: string; host: string; upper: string; layers: string[]; actions: string[] };

export function planImage(state: LabState, host: string, name: string): ImagePlan {
  checkImageName(name);
  const h = state.hosts[host];
  if (!h) throw new UserError(`no lab host named ${host}: see \`provision lab list\``);
  if (!hostAlive(h)) throw new UserError(`${host} is not running: an image is taken of a running host`);
  if (existsSync(metaOf(name))) throw new UserError(`an image named ${name} exists already: delete it first or choose another --name`);
  const upper = join(paths.host(h.name), 'upper');
  return {
    image: name, host, upper, layers: [join(dirOf(name), 'layer'), ...h.layers],
    actions: [`freeze the processes of ${host}`, `copy its own layer ${upper}`, `thaw ${host}`,
      `leave out its identity and runtime state (${NOT_IN_IMAGE.paths.length} paths, logs, pid files)`, `write image ${name} in ${dirOf(name)}`],
  };
}

/** Takes the image: freeze, copy the host's upper layer, thaw (always), then strip and record it. */
export async function createImage(state: LabState, plan: ImagePlan): Promise<LabImage> {
  const h = state.hosts[plan.host];
  const tmp = `${dirOf(plan.image)}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const layer = join(tmp, 'layer');
  let frozenMs = 0;
  try {
    const t0 = Date.now();
    await freeze(h, true);
    try {
      await run(['sync']);
      await run(['cp', '-a', plan.upper, layer]);
    } finally {
      await freeze(h, false);
      frozenMs = Date.now() - t0;
    }
    // The paths are this file's constants; their globs expand inside the copy only.
    await run(['sh', '-c', `cd ${shq(layer)} && rm -rf -- ${NOT_IN_IMAGE.paths.join(' ')}`]);
    await run(['find', layer, ...NOT_IN_IMAGE.findArgs, '-delete']);
    const bytes = Number((await run(['du', '-sb', layer])).split(/\s/)[0]);
    const image: LabImage = { name: plan.image, source: plan.host, created: new Date().toISOString(), layers: plan.layers,
      init: h.init ?? 'systemd', bytes, frozenMs };
    writeFileSync(join(tmp, 'image.json'), `${JSON.stringify(image, null, 2)}\n`);
    mkdirSync(root(), { recursive: true });
    renameSync(tmp, dirOf(plan.image));
    return image;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Lab hosts and other images that stack on this image's layer. */
export function usersOf(state: LabState, image: LabImage): { hosts: HostRecord[]; images: string[] } {
  const layer = image.layers[0];
  return {
    hosts: Object.values(state.hosts).filter((h) => h.layers.includes(layer)).sort((a, b) => a.index - b.index),
    images: listImages().filter((i) => i.name !== image.name && i.layers.includes(layer)).map((i) => i.name),
  };
}

export function removeImage(image: LabImage): void {
  rmSync(dirOf(image.name), { recursive: true, force: true });
}
