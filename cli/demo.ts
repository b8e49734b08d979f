// `provision demo`: the README's first command. A lab of two droplets, playbooks/droplet.yml applied
// (Node 0.8.28, forever, Meteor, nginx, HAProxy, 3 instances of the test app, the firewall), a second
// run showing 0 changed, and the URL to open.
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../engine/errors.ts';
import { ROOT } from '../engine/root.ts';
import { apply } from '../engine/apply.ts';
import { registry } from '../modules/index.ts';

export function registerDemo(program: Command): void {
  program.command('demo')
    .description('a lab of 2 droplets, playbooks/droplet.yml applied twice (the second run changes nothing), the URL to open')
    .option('--down', 'remove the lab at the end instead of leaving it running')
    .action(async (o: { down?: boolean }) => {
      const root = ROOT;
      const inventory = join(root, 'inventories/lab');
      await (await import('../lab/lab.ts')).labDown('demo');
      const hosts = await (await import('../lab/lab.ts')).labUp({ count: 2, prefix: 'demo', inventory });
      try {
        // The app: the repository's test app, a Meteor 0.6.5 bundle with fibers@1.0.1 (lab/app-bundle.ts).
        const { npmPack } = await import('../modules/npm/pack.ts');
        const bundle = (await import('../lab/app-bundle.ts')).appBundle(npmPack).tarball;
        const run = (title: string) => {
          console.log(`\n== ${title}`);
          return apply({ playbook: join(root, 'playbooks/droplet.yml'), inventory, limit: 'demo',
            extraVars: [`@${join(root, 'playbooks/lab-vars.yml')}`, `app_bundle=${bundle}`] }, registry);
        };
        if (await run('provision apply playbooks/droplet.yml (first run: everything to do)') !== EXIT.ok) throw new UserError('the first run failed (see above)');
        if (await run('provision apply playbooks/droplet.yml (second run: nothing to do)') !== EXIT.ok) throw new UserError('the second run failed (see above)');
        console.log('\nOpen the droplets (nginx -> HAProxy -> 3 app instances on Node 0.8.28):');
        for (const h of hosts) console.log(`  http://${h.address}/`);
      } finally {
        if (o.down) await (await import('../lab/lab.ts')).labDown('demo');
      }
      console.log(o.down ? 'lab removed' : '`provision lab down --prefix demo` removes the lab');
    });
}
