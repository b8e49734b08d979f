// The lab provider of `provision image ...` and `provision hosts ...`: images of lab hosts, and new lab
// hosts started from them. Every command plans first; --check prints the plan and changes nothing.
import { resolve } from 'node:path';
import { UserError } from '../engine/errors.ts';
import type { CreatedHost, Outcome, Provider } from './provider.ts';
import { type HostRecord, loadState, withLabLock } from '../lab/state.ts';
import { type LabImage, createImage, findImage, listImages, planImage, removeImage, usersOf } from '../lab/snapshot.ts';
import { labDown, labUp } from '../lab/lab.ts';
import { requireRoot } from '../lab/preflight.ts';

async function imageCreate({ host, name, inventory, check }: { host: string; name: string; inventory: string; check: boolean }): Promise<Outcome<LabImage>> {
  requireRoot();
  return withLabLock(async () => {
    const state = loadState();
    const h = state.hosts[host];
    if (h && h.inventory !== resolve(inventory)) {
      throw new UserError(`${host} is not in the inventory ${inventory} (it is in ${h.inventory})`);
    }
    const plan = planImage(state, host, name);
    if (check) return { check, actions: plan.actions, said: [] };
    const image = await createImage(state, plan);
    return { check, actions: plan.actions, result: image,
      said: [`image ${name}: ${(image.bytes / 2 ** 20).toFixed(1)} MB of its own, taken of ${host} (frozen ${image.frozenMs} ms)`] };
  });
}

async function imageDelete({ name, force, check }: { name: string; force: boolean; check: boolean }): Promise<Outcome<{ removedHosts: string[] }>> {
  requireRoot();
  const image = findImage(name);
  const users = usersOf(loadState(), image);
  if (users.images.length) throw new UserError(`image ${name} is the base of image ${users.images.join(', ')}: delete that first`);
  if (users.hosts.length && !force) {
    throw new UserError(`image ${name} is in use by ${users.hosts.map((h) => h.name).join(', ')}: ` +
      'destroy those hosts first, or delete with --force, which destroys them too');
  }
  const actions = [...users.hosts.map((h) => `destroy ${h.name}, which runs from it`), `delete image ${name} (${image.layers[0]})`];
  if (check) return { check, actions, said: [] };
  const gone = users.hosts.length ? await labDown(undefined, users.hosts.map((h) => h.name)) : [];
  removeImage(image);
  return { check, actions, result: { removedHosts: gone }, said: [...(gone.length ? [`destroyed ${gone.join(', ')}`] : []), `deleted image ${name}`] };
}

async function hostsCreate(o: { image: string; count: number; group: string; inventory: string; check: boolean }): Promise<Outcome<CreatedHost[]>> {
  requireRoot();
  const image = findImage(o.image);
  const state = loadState();
  const taken = Object.values(state.hosts).filter((h) => h.prefix === o.group).length;
  const actions = [`start ${o.count} lab host${o.count > 1 ? 's' : ''} from image ${o.image} (taken of ${image.source}) ` +
    `in group ${o.group}${taken ? `, after its ${taken} host${taken > 1 ? 's' : ''}` : ''}`,
  `add them to ${resolve(o.inventory)}/hosts.yml, their host keys to known_hosts`];
  if (o.check) return { check: true, actions, said: [] };
  const hosts = await labUp({ count: o.count, prefix: o.group, inventory: o.inventory, quiet: true, init: image.init, layers: image.layers, append: true });
  return { check: false, actions, result: hosts.map((h: HostRecord) => ({ name: h.name, address: h.address, hostKey: h.hostKey })),
    said: [...hosts.map((h) => `${h.name}\t${h.address}`), `inventory: ${o.inventory}/hosts.yml`] };
}

async function hostsDestroy(o: { group: string; check: boolean }): Promise<Outcome<string[]>> {
  requireRoot();
  const mine = Object.values(loadState().hosts).filter((h) => h.prefix === o.group);
  if (!mine.length) throw new UserError(`no lab hosts in group ${o.group}`);
  const actions = mine.map((h) => `destroy ${h.name} (${h.address})`);
  if (o.check) return { check: true, actions, said: [] };
  const gone = await labDown(o.group);
  return { check: false, actions, result: gone, said: [`destroyed ${gone.join(', ')}`] };
}

export const lab: Provider = {
  imageCreate,
  async imageList() {
    const images = listImages();
    return { items: images, head: ['NAME', 'SOURCE', 'CREATED', 'MB'], rows: images.map((i) => [i.name, i.source, i.created, (i.bytes / 2 ** 20).toFixed(1)]) };
  },
  imageDelete,
  hostsCreate,
  hostsDestroy,
};
