// `provision image create|list|delete` and `provision hosts create|destroy`: images of provisioned hosts,
// and new hosts started from them, through the provider --provider names (providers/provider.ts); its
// machinery loads only when one of these commands runs.
import { type Command, Option } from 'commander';
import { positiveInt } from './args.ts';
import { MAX_HOSTS } from '../lab/paths.ts';
import { PROVIDERS, type ProviderName, provider } from '../providers/index.ts';
import type { Outcome } from '../providers/provider.ts';

type Common = { check?: boolean; json?: boolean; provider: ProviderName };

/** Prints an outcome: the plan under --check, else what was done; --json prints it as one object. */
function print(o: Common, out: Outcome<unknown>): void {
  if (o.json) return void console.log(JSON.stringify({ check: out.check, actions: out.actions, result: out.result ?? null }, null, 2));
  if (out.check) {
    console.log('would:');
    for (const a of out.actions) console.log(`  ${a}`);
    return;
  }
  for (const line of out.said) console.log(line);
}

const providerOption = () => new Option('--provider <name>', 'where the hosts live').choices([...PROVIDERS]).default('lab');
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
    .action(async (host: string, o: Common & { name: string; inventory: string }) => {
      print(o, await (await provider(o.provider)).imageCreate({ host, name: o.name, inventory: o.inventory, check: !!o.check }));
    });
  image.command('list')
    .description('the images, their source host and size')
    .addOption(providerOption())
    .option('--json', 'print them as JSON')
    .action(async (o: Common) => {
      const t = await (await provider(o.provider)).imageList();
      if (o.json) return void console.log(JSON.stringify(t.items, null, 2));
      if (!t.rows.length) return void console.log('no images');
      for (const row of [t.head, ...t.rows]) console.log(row.join('\t'));
    });
  image.command('delete')
    .description('delete an image; refused while hosts run from it, unless --force (which destroys them)')
    .argument('<name>', 'the image name (digitalocean: or its snapshot id)')
    .option('--force', 'destroy the hosts that run from it first')
    .addOption(providerOption())
    .option('-i, --inventory <dir>', 'digitalocean: the inventory to drop droplets destroyed by --force from')
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (name: string, o: Common & { force?: boolean; inventory?: string }) => {
      print(o, await (await provider(o.provider)).imageDelete({ name, force: !!o.force, check: !!o.check, inventory: o.inventory }));
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
    .action(async (o: Common & { image: string; count: number; group: string; inventory: string; region?: string; size: string; sshKey: string[] }) => {
      print(o, await (await provider(o.provider)).hostsCreate({ image: o.image, count: o.count, group: o.group, inventory: o.inventory,
        check: !!o.check, region: o.region, size: o.size, sshKeys: o.sshKey }));
    });
  hosts.command('destroy')
    .description('destroy the hosts of a group and remove them from their inventory')
    .requiredOption('-g, --group <name>', 'the group')
    .addOption(providerOption())
    .option('-i, --inventory <dir>', 'digitalocean: the inventory the droplets are in', 'inventories/lab')
    .option('--check', 'print what would be done; do nothing')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: Common & { group: string; inventory: string }) => {
      print(o, await (await provider(o.provider)).hostsDestroy({ group: o.group, inventory: o.inventory, check: !!o.check }));
    });
}
