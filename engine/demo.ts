// `provision demo`: the README's first command. For now: a lab of two droplets, a look inside each, then down.
import type { Command } from 'commander';
import { knownHostsPath } from './lab/inventory-file.ts';
import { labDown, labUp } from './lab/lab.ts';
import { paths } from './lab/paths.ts';
import { SshConnection } from './transport/ssh.ts';

export function registerDemo(program: Command): void {
  program.command('demo')
    .description('bring up a lab of 2 droplets, show them, take them down')
    .option('--keep', 'leave the lab running afterwards')
    .action(async (o: { keep?: boolean }) => {
      const inventory = 'inventories/lab';
      const hosts = await labUp({ count: 2, prefix: 'demo', inventory });
      try {
        for (const h of hosts) {
          const ssh = await SshConnection.connect({ name: h.name, host: h.address, user: 'root',
            privateKeyPath: paths.key(), knownHostsPath: knownHostsPath(inventory) });
          const r = await ssh.exec('echo "$(hostname) $(. /etc/os-release; echo $PRETTY_NAME) systemd:$(systemctl is-system-running)"');
          ssh.close();
          console.log(`${h.address}\t${r.stdout.trim()}`);
        }
      } finally {
        if (!o.keep) await labDown('demo');
      }
      console.log(o.keep ? `lab left running: ${inventory}/hosts.yml; \`provision lab down\` removes it` : 'lab removed');
    });
}
