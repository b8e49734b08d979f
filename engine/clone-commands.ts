// `provision image create|list|delete` and `provision hosts create|destroy`: images of provisioned hosts,
// and new hosts started from them. The provider's machinery loads only when one of these commands runs.
import { type Command, Option } from 'commander';
import { positiveInt } from './cli-args.ts';
import { UserError } from './errors.ts';
import { MAX_HOSTS } from './lab/network.ts';

const lab = () => import('./lab/clone.ts');

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

function onlyLab(provider: string): void {
  if (provider !== 'lab') {
    throw new UserError(`--provider ${provider}: not wired to the CLI yet (the lab is); see engine/providers/`, 4);
  }
}

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
      onlyLab(o.provider);
      const out = await (await lab()).imageCreate(host, o.name, o.inventory, !!o.check);
      print(o, out, () => [`image ${o.name}: ${((out.result!.bytes) / 2 ** 20).toFixed(1)} MB of its own, ` +
        `taken of ${host} (frozen ${out.result!.frozenMs} ms)`]);
    });
  image.command('list')
    .description('the images, their source host and size')
    .option('--json', 'print them as JSON')
    .action(async (o: Common) => {
      const images = (await lab()).listImages();
      if (o.json) return void console.log(JSON.stringify(images, null, 2));
      if (!images.length) return void console.log('no images');
      console.log(['NAME', 'SOURCE', 'CREATED', 'MB'].join('\t'));
      for (const i of images) console.log([i.name, i.source, i.created, (i.bytes / 2 ** 20).toFixed(1)].join('\t'));
    });
  image.command('delete')
    .description('delete an image; refused while hosts run from it, unless --force (which destroys them)')
    .argument('<name>', 'the image name')
    .option('--force', 'destroy the hosts that run from it first')
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (name: string, o: Common & { force?: boolean }) => {
      const out = await (await lab()).imageDelete(name, !!o.force, !!o.check);
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
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: Common & { image: string; count: number; group: string; inventory: string; provider: string }) => {
      onlyLab(o.provider);
      const out = await (await lab()).hostsCreate({ image: o.image, count: o.count, group: o.group, inventory: o.inventory, check: !!o.check });
      print(o, out, () => [...out.result!.map((h) => `${h.name}\t${h.address}`), `inventory: ${o.inventory}/hosts.yml`]);
    });
  hosts.command('destroy')
    .description('destroy the hosts of a group and remove them from their inventory')
    .requiredOption('-g, --group <name>', 'the group')
    .addOption(providerOption())
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: Common & { group: string; provider: string }) => {
      onlyLab(o.provider);
      const out = await (await lab()).hostsDestroy({ group: o.group, check: !!o.check });
      print(o, out, () => [`destroyed ${out.result!.join(', ')}`]);
    });
}
