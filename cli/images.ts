// `provision image create|list|delete` and `provision hosts create|destroy`: images of provisioned hosts,
// and new hosts started from them. The provider's machinery loads only when one of these commands runs.
import { type Command, Option } from 'commander';
import { positiveInt } from './args.ts';
import { MAX_HOSTS } from '../lab/network.ts';

const lab = () => import('../providers/lab.ts');
const droplets = () => import('../providers/digitalocean/digitalocean.ts');

type Common = { check?: boolean; json?: boolean };

/** Prints an outcome: the plan under --check, else what was done; --json prints it as one object. */
function print(o: Common, out: { check: boolean; actions: string[]; result?: unknown }, human: () => string[]): void {
  if (o.json) return void console.log(JSON.stringify({ check: out.check, actions: out.actions, result: out.result ?? null }, null, 2));
  if (out.check) {
    console.log('would:');
    for (const a of out.actions) console.log(`  ${a}`);
    return;
  }
  for (const line of human()) console.log(line);
}

const providerOption = () => new Option('--provider <name>', 'where the hosts live').choices(['lab', 'digitalocean']).default('lab');

const isDo = (o: { provider: string }) => o.provider === 'digitalocean';
const collect = (v: string, prev: string[]) => [...prev, v];

export function registerClone(program: Command): void {
  const image = program.command('image').description('images of provisioned hosts, to start new hosts from');
  image.command('create')
    .description('take an image of a running host (its processes frozen while it is copied)')
    .argument('<host>', 'a host of the inventory')
    .requiredOption('--name <name>', 'the image name')
    .requiredOption('-i, --inventory <dir>', 'the inventory the host is in')
    .addOption(providerOption())
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (host: string, o: Common & { name: string; inventory: string; provider: string }) => {
      if (isDo(o)) {
        const out = await (await droplets()).imageCreate(host, o.name, o.inventory, !!o.check);
        return print(o, out, () => [`image ${o.name}: snapshot ${out.result!.id} of droplet ${out.result!.droplet} (${host})`]);
      }
      const out = await (await lab()).imageCreate(host, o.name, o.inventory, !!o.check);
      print(o, out, () => [`image ${o.name}: ${((out.result!.bytes) / 2 ** 20).toFixed(1)} MB of its own, ` +
        `taken of ${host} (frozen ${out.result!.frozenMs} ms)`]);
    });
  image.command('list')
    .description('the images, their source host and size')
    .addOption(providerOption())
    .option('--json', 'print them as JSON')
    .action(async (o: Common & { provider: string }) => {
      if (isDo(o)) {
        const snaps = await (await droplets()).listImages();
        if (o.json) return void console.log(JSON.stringify(snaps, null, 2));
        if (!snaps.length) return void console.log('no images');
        console.log(['NAME', 'ID', 'CREATED', 'REGIONS', 'GB'].join('\t'));
        for (const s of snaps) console.log([s.name, s.id, s.created_at, s.regions.join(','), s.size_gigabytes].join('\t'));
        return;
      }
      const images = (await lab()).listImages();
      if (o.json) return void console.log(JSON.stringify(images, null, 2));
      if (!images.length) return void console.log('no images');
      console.log(['NAME', 'SOURCE', 'CREATED', 'MB'].join('\t'));
      for (const i of images) console.log([i.name, i.source, i.created, (i.bytes / 2 ** 20).toFixed(1)].join('\t'));
    });
  image.command('delete')
    .description('delete an image; refused while hosts run from it, unless --force (which destroys them)')
    .argument('<name>', 'the image name (digitalocean: or its snapshot id)')
    .option('--force', 'destroy the hosts that run from it first')
    .addOption(providerOption())
    .option('-i, --inventory <dir>', 'digitalocean: the inventory to drop droplets destroyed by --force from')
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (name: string, o: Common & { force?: boolean; provider: string; inventory?: string }) => {
      const out = isDo(o) ? await (await droplets()).imageDelete(name, !!o.force, !!o.check, o.inventory)
        : await (await lab()).imageDelete(name, !!o.force, !!o.check);
      print(o, out, () => [...(out.result!.removedHosts.length ? [`destroyed ${out.result!.removedHosts.join(', ')}`] : []), `deleted image ${name}`]);
    });

  const hosts = program.command('hosts').description('start hosts from an image, or destroy them');
  hosts.command('create')
    .description('start N hosts from an image and add them to an inventory under a group')
    .requiredOption('--image <name>', 'the image to start from')
    .option('-c, --count <n>', 'number of hosts', positiveInt(MAX_HOSTS), 1)
    .requiredOption('-g, --group <name>', 'their group in the inventory (and their name prefix)')
    .option('-i, --inventory <dir>', 'where to add them (hosts.yml, known_hosts)', 'inventories/lab')
    .addOption(providerOption())
    .option('--region <slug>', 'digitalocean: the region (default: the snapshot\'s first)')
    .option('--size <slug>', 'digitalocean: the droplet size', 's-1vcpu-1gb')
    .option('--ssh-key <id>', 'digitalocean: an account SSH key id or fingerprint for root (repeatable)', collect, [])
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: Common & { image: string; count: number; group: string; inventory: string; provider: string; region?: string; size: string; sshKey: string[] }) => {
      if (isDo(o)) {
        const out = await (await droplets()).hostsCreate({ ...o, sshKeys: o.sshKey, check: !!o.check });
        return print(o, out, () => [...out.result!.map((h) => `${h.name}\t${h.address}\tdroplet ${h.dropletId}`), `inventory: ${o.inventory}/digitalocean.yml`]);
      }
      const out = await (await lab()).hostsCreate({ image: o.image, count: o.count, group: o.group, inventory: o.inventory, check: !!o.check });
      print(o, out, () => [...out.result!.map((h) => `${h.name}\t${h.address}`), `inventory: ${o.inventory}/hosts.yml`]);
    });
  hosts.command('destroy')
    .description('destroy the hosts of a group and remove them from their inventory')
    .requiredOption('-g, --group <name>', 'the group')
    .addOption(providerOption())
    .option('-i, --inventory <dir>', 'digitalocean: the inventory the droplets are in', 'inventories/lab')
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: Common & { group: string; provider: string; inventory: string }) => {
      const out = isDo(o) ? await (await droplets()).hostsDestroy({ group: o.group, inventory: o.inventory, check: !!o.check })
        : await (await lab()).hostsDestroy({ group: o.group, check: !!o.check });
      print(o, out, () => [`destroyed ${out.result!.join(', ')}`]);
    });
}
