// The `provision lab` subcommands. The lab's machinery (zx and all) loads only when a lab command runs:
// an apply does not pay for it.
const machinery = () => import('../lab/lab.ts');
import { spawnSync } from 'node:child_process';
import { type Command, Option } from 'commander';
import { positiveInt } from './args.ts';
import { UserError } from '../engine/errors.ts';
import { knownHostsPath } from '../lab/inventory-file.ts';
import { DEFAULT_SUBNET, MAX_HOSTS, paths } from '../lab/paths.ts';

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('disposable Debian droplets on this machine (needs Linux and root)');
  lab.command('up')
    .description('start N hosts (builds and caches the base image on first use)')
    .option('-c, --count <n>', 'number of hosts', positiveInt(MAX_HOSTS), 1)
    .option('-p, --prefix <name>', 'host names are PREFIX-1 .. PREFIX-N', 'droplet')
    .option('-i, --inventory <dir>', 'where to write hosts.yml and known_hosts', 'inventories/lab')
    .option('--subnet <cidr>', `lab network, an IPv4 /16 (default ${DEFAULT_SUBNET})`)
    .addOption(new Option('--init <init>', 'systemd as PID 1 (a droplet), or sysv: no systemd, services by init scripts')
      .choices(['systemd', 'sysv']).default('systemd'))
    .option('-q, --quiet', 'no progress output')
    .action(async (o: { count: number; prefix: string; inventory: string; subnet?: string; quiet?: boolean; init: 'systemd' | 'sysv' }) => {
      const hosts = await (await machinery()).labUp(o);
      if (!o.quiet) {
        for (const h of hosts) console.log(`${h.name}\t${h.address}`);
        console.log(`inventory: ${o.inventory}/hosts.yml`);
      }
    });
  lab.command('down')
    .description('halt the hosts and remove everything the lab made for them')
    .option('-p, --prefix <name>', 'only the hosts of this prefix')
    .action(async (o: { prefix?: string }) => {
      const gone = await (await machinery()).labDown(o.prefix);
      console.log(gone.length ? `removed ${gone.join(', ')}` : 'no lab hosts were running');
    });
  lab.command('list')
    .description('the lab hosts, their addresses and state')
    .action(async () => {
      const hosts = (await machinery()).labList();
      if (!hosts.length) return console.log('no lab hosts');
      console.log(['NAME', 'ADDRESS', 'STATE', 'PID'].join('\t'));
      for (const h of hosts) console.log([h.name, h.address, h.state, h.pid ?? '-'].join('\t'));
    });
  lab.command('ssh')
    .description('an interactive shell (or one command) on a lab host, as root')
    .argument('<host>', 'host name, as in `provision lab list`')
    .argument('[command...]', 'a command to run instead of a shell')
    .action(async (name: string, command: string[]) => {
      const h = (await machinery()).labList().find((x) => x.name === name);
      if (!h) throw new UserError(`no lab host named ${name}: see \`provision lab list\``);
      if (h.state !== 'running') throw new UserError(`${name} is not running: run \`provision lab up\` again`);
      const r = spawnSync('ssh', ['-q', '-i', paths.key(), '-o', `UserKnownHostsFile=${knownHostsPath(h.inventory)}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${h.address}`, ...command], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}
