// The digitalocean provider of `provision image ...` and `provision hosts ...`: snapshots of droplets, and new
// droplets from them with host keys made here and pinned through cloud-init. Under --check only GETs are sent:
// the plan is read from the API, nothing is created, changed or deleted.
import { EXIT, UserError } from '../../engine/errors.ts';
import { ed25519KeyPair } from '../keygen.ts';
import { hostVars, varValues } from '../../engine/inventory/inventory.ts';
import type { CreatedHost, Outcome, Provider } from '../provider.ts';
import { type DropletCreated, DigitalOcean, type Droplet, type HostKey, type Snapshot } from './api.ts';
import { type DoHost, doFilePath, editKnownHosts, inventoryIn, knownHostsFile, nextNames, readDoHosts, refuseLabInventory, writeDoHosts } from './inventory.ts';

/** The API client from the environment: DIGITALOCEAN_TOKEN; DIGITALOCEAN_API_URL and DIGITALOCEAN_POLL_MS to point it elsewhere. */
export function client(): DigitalOcean {
  const token = process.env.DIGITALOCEAN_TOKEN;
  if (!token) throw new UserError('--provider digitalocean: set DIGITALOCEAN_TOKEN to an API token (read and write scope)', EXIT.invalid);
  const pollMs = Number(process.env.DIGITALOCEAN_POLL_MS) || undefined;
  return new DigitalOcean({ token, baseUrl: process.env.DIGITALOCEAN_API_URL || undefined, pollMs, log: (l) => process.stderr.write(`digitalocean: ${l}\n`) });
}

/** The one snapshot called `ref` (a name, or an id). */
async function findSnapshot(api: DigitalOcean, ref: string): Promise<Snapshot> {
  const all = await api.listSnapshots();
  const byId = /^\d+$/.test(ref) ? all.filter((s) => String(s.id) === ref) : [];
  const found = byId.length ? byId : all.filter((s) => s.name === ref);
  if (!found.length) throw new UserError(`no DigitalOcean snapshot named ${ref}`);
  if (found.length > 1) throw new UserError(`${found.length} DigitalOcean snapshots are named ${ref} (ids ${found.map((s) => s.id).join(', ')}): name one by its id`);
  return found[0];
}

const publicIp = (d: Droplet) => d.networks.v4.find((n) => n.type === 'public')?.ip_address;

async function imageCreate({ host, name, inventory, check }: { host: string; name: string; inventory: string; check: boolean }):
  Promise<Outcome<{ id: number; name: string; droplet: number }>> {
  const inv = inventoryIn(inventory);
  if (!inv) throw new UserError(`inventory ${inventory} does not exist`, EXIT.invalid);
  const vars = varValues(hostVars(inv, host));
  const api = client();
  if ((await api.listSnapshots()).some((s) => s.name === name)) throw new UserError(`a DigitalOcean snapshot named ${name} exists already`);
  let droplet: Droplet;
  if (typeof vars.do_droplet_id === 'number' || /^\d+$/.test(String(vars.do_droplet_id ?? ''))) {
    droplet = await api.getDroplet(Number(vars.do_droplet_id));
  } else {
    const address = String(vars.ansible_host ?? host);
    const found = (await api.listDroplets()).filter((d) => publicIp(d) === address);
    if (found.length !== 1) throw new UserError(`${host}: no do_droplet_id in the inventory, and ${found.length} droplets have the address ${address}`);
    droplet = found[0];
  }
  const on = droplet.status === 'active';
  const actions = [
    ...(on ? [`shut down droplet ${droplet.id} (${host}); power it off if it has not stopped in 120 s`] : []),
    `snapshot droplet ${droplet.id} as ${name}`,
    ...(on ? [`power droplet ${droplet.id} on again`] : []),
  ];
  if (check) return { check, actions, said: [] };
  const snap = await api.snapshotDroplet(droplet.id, name);
  return { check, actions, result: { ...snap, droplet: droplet.id }, said: [`image ${name}: snapshot ${snap.id} of droplet ${droplet.id} (${host})`] };
}

async function imageList() {
  const snaps = await client().listSnapshots();
  return { items: snaps, head: ['NAME', 'ID', 'CREATED', 'REGIONS', 'GB'],
    rows: snaps.map((s) => [s.name, String(s.id), s.created_at, s.regions.join(','), String(s.size_gigabytes)]) };
}

/** Deletes droplets and drops them from the inventory's digitalocean.yml and known_hosts, as far as they were there. */
async function destroy(api: DigitalOcean, inventory: string | undefined, droplets: Array<{ id: number }>): Promise<void> {
  const gone: typeof droplets = [];
  try {
    for (const d of droplets) {
      await api.deleteDroplet(d.id).catch((err: Error & { status?: number }) => { if (err.status !== 404) throw err; });
      gone.push(d);
    }
  } finally {
    if (inventory && gone.length) {
      const ids = new Set(gone.map((d) => d.id));
      const hosts = readDoHosts(inventory);
      writeDoHosts(inventory, hosts.filter((h) => !ids.has(h.dropletId)));
      editKnownHosts(inventory, hosts.filter((h) => ids.has(h.dropletId)).map((h) => h.address), []);
    }
  }
}

async function imageDelete({ name: ref, force, check, inventory }: { name: string; force: boolean; check: boolean; inventory?: string }):
  Promise<Outcome<{ removedHosts: string[] }>> {
  const api = client();
  const snap = await findSnapshot(api, ref);
  const users = (await api.listDroplets()).filter((d) => String(d.image?.id) === String(snap.id));
  if (users.length && !force) {
    throw new UserError(`snapshot ${snap.name} is in use by droplet ${users.map((d) => `${d.name} (${d.id})`).join(', ')}: ` +
      'destroy those first, or delete with --force, which destroys them too');
  }
  const actions = [...users.map((d) => `destroy droplet ${d.id} (${d.name}), which runs from it`), `delete snapshot ${snap.name} (${snap.id})`];
  if (check) return { check, actions, said: [] };
  await destroy(api, inventory, users);
  await api.deleteSnapshot(snap.id);
  const removedHosts = users.map((d) => d.name);
  return { check, actions, result: { removedHosts }, said: [...(removedHosts.length ? [`destroyed ${removedHosts.join(', ')}`] : []), `deleted image ${ref}`] };
}

async function hostsCreate(o: {
  image: string; count: number; group: string; inventory: string; region?: string; size?: string; sshKeys?: string[]; check: boolean;
}): Promise<Outcome<CreatedHost[]>> {
  const size = o.size ?? 's-1vcpu-1gb';
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(o.group)) {
    throw new UserError(`--group ${o.group}: droplets are named after it, so it must be letters, digits and inner dashes`, EXIT.invalid);
  }
  refuseLabInventory(o.inventory);
  const names = nextNames(inventoryIn(o.inventory), o.group, o.count);
  const api = client();
  const snap = await findSnapshot(api, o.image);
  const region = o.region ?? snap.regions[0];
  if (!snap.regions.includes(region)) throw new UserError(`snapshot ${snap.name} is not in region ${region} (it is in ${snap.regions.join(', ')})`);
  const actions = [
    `create droplet${names.length > 1 ? 's' : ''} ${names.join(', ')} from snapshot ${snap.name} (${snap.id}) in ${region}, size ${size}`,
    'give each a new ed25519 host key through cloud-init user_data',
    `add them to ${doFilePath(o.inventory)} (group ${o.group}), their host keys to ${knownHostsFile(o.inventory)}`,
  ];
  if (o.check) return { check: true, actions, said: [] };
  const hostKeys: Record<string, HostKey> = {};
  for (const n of names) {
    hostKeys[n] = { type: 'ssh-ed25519', ...ed25519KeyPair(`root@${n}`) };
  }
  let made: Array<{ id: number; name: string; ipv4: string }>;
  try {
    made = await api.createDroplets({ names, region, size, image: snap.id, sshKeys: o.sshKeys ?? [], tags: ['provision'], hostKeys });
  } catch (err) {
    throw await undo(api, err as Error & { created?: DropletCreated[] });
  }
  const added: DoHost[] = made.map((d) => ({ name: d.name, group: o.group, address: d.ipv4, dropletId: d.id }));
  writeDoHosts(o.inventory, [...readDoHosts(o.inventory), ...added]);
  editKnownHosts(o.inventory, [], made.map((d) => ({ address: d.ipv4, hostKey: hostKeys[d.name].publicKey })));
  return { check: false, actions, result: made.map((d) => ({ name: d.name, address: d.ipv4, hostKey: hostKeys[d.name].publicKey, dropletId: d.id })),
    said: [...made.map((d) => `${d.name}\t${d.ipv4}\tdroplet ${d.id}`), `inventory: ${o.inventory}/digitalocean.yml`] };
}

/** After a failed create: deletes the droplets it made (unreachable without their inventory entries) and says so. */
async function undo(api: DigitalOcean, err: Error & { created?: DropletCreated[] }): Promise<Error> {
  const made = err.created ?? [];
  if (!made.length) return err;
  const left: string[] = [];
  for (const d of made) await api.deleteDroplet(d.id).catch(() => left.push(`${d.name} (${d.id})`));
  return new UserError(`${err.message}; the ${made.length} droplet(s) already created were deleted again` +
    (left.length ? `, except ${left.join(', ')}: delete those by hand` : ''));
}

async function hostsDestroy(o: { group: string; inventory: string; check: boolean }): Promise<Outcome<string[]>> {
  const mine = readDoHosts(o.inventory).filter((h) => h.group === o.group);
  if (!mine.length) throw new UserError(`no droplets of group ${o.group} in ${doFilePath(o.inventory)}`);
  const actions = [...mine.map((h) => `destroy droplet ${h.dropletId} (${h.name}, ${h.address})`), `remove them from ${doFilePath(o.inventory)} and known_hosts`];
  if (o.check) return { check: true, actions, said: [] };
  await destroy(client(), o.inventory, mine.map((h) => ({ id: h.dropletId })));
  const gone = mine.map((h) => h.name);
  return { check: false, actions, result: gone, said: [`destroyed ${gone.join(', ')}`] };
}

export const digitalocean: Provider = { imageCreate, imageList, imageDelete, hostsCreate, hostsDestroy };
