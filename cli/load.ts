// `provision load`: how many app instances does the droplet need? Flags and help; the work is in run-load.ts.
import type { Command } from 'commander';
import { acceptNewOption, extraVarsOption, intList, inventoryOption, limitOption, lockWaitOption, positiveInt, seconds, vaultPasswordOption } from './args.ts';
import { registry } from '../modules/index.ts';
import { configureVault } from '../engine/vault/password.ts';
import { withAnsibleCfg } from './ansible-cfg.ts';

type Flags = { inventory?: string; url: string; instances: number[]; duration: number; connections: number; json?: boolean; report?: string;
  extraVars?: string[]; limit?: string; acceptNew?: boolean; lockWait?: number; readyTimeout?: number; vaultPasswordFile?: string };

export function registerLoad(program: Command): void {
  program.command('load')
    .description('apply the playbook with each instance count in turn, load every host through nginx, and tabulate req/s, latency, errors, CPU (the knee marked); -e instances=N is added after your own -e; the playbook\'s own count is applied again at the end')
    .argument('<playbook>', 'playbook file (YAML) whose app instances listen on base_port, base_port + 1, ...')
    .addOption(inventoryOption())
    .requiredOption('--url <path>', 'the path to load on every host, through nginx (e.g. /)')
    .requiredOption('--instances <counts>', 'the instance counts to measure, e.g. 1,2,3,5', intList(1000))
    .option('--duration <time>', 'load per count and host, e.g. 20s or 2m', seconds(3600), 20)
    .option('--connections <n>', 'concurrent connections (each one a browser session keeping its affinity cookie)', positiveInt(10_000), 50)
    .option('--json', 'print one JSON document (progress goes to stderr)')
    .option('--report <file.html>', 'also write a self-contained HTML page with a chart of req/s and p99 against instances')
    .addOption(extraVarsOption())
    .addOption(limitOption())
    .addOption(acceptNewOption())
    .addOption(lockWaitOption())
    .option('--ready-timeout <seconds>', 'how long every instance may take to answer /ping after an apply (default 60)', positiveInt(3600))
    .addOption(vaultPasswordOption())
    .action(async (playbook: string, flags: Flags) => {
      const f = withAnsibleCfg(flags);
      configureVault({ passwordFile: f.vaultPasswordFile });
      // autocannon and the rest load only when this command runs: every other command starts without them.
      const { load } = await import('../loadtest/run-load.ts');
      process.exitCode = await load({ playbook, inventory: f.inventory, ...(f.defaults ? { defaults: f.defaults } : {}), extraVars: f.extraVars, limit: f.limit, path: f.url, counts: f.instances,
        durationS: f.duration, connections: f.connections, json: f.json, report: f.report, acceptNew: f.acceptNew, lockWait: f.lockWait,
        readyTimeoutS: f.readyTimeout }, registry);
    });
}
