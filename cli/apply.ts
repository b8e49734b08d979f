// The engine's subcommands: apply, validate, vars, schema.
import { type Command, Option } from 'commander';
import { acceptNewOption, bytes, csv, extraVarsOption, inventoryOption, limitOption, lockWaitOption, positiveInt, vaultPasswordOption } from './args.ts';
import { EXIT, UserError } from '../engine/errors.ts';
import { hostVars, loadInventory, varValues, withDefaults } from '../engine/inventory/inventory.ts';
import { ansibleCfg, withAnsibleCfg } from './ansible-cfg.ts';
import { apply, type ApplyOptions } from '../engine/apply.ts';
import { loadAndValidate } from '../engine/prepare.ts';
import { MASK, isSensitiveVar, redactValue, sensitiveValues } from '../engine/redact.ts';
import { playbookSchema } from '../engine/playbook/schema.ts';
import { mergeLayers, parseExtraVars } from '../engine/vars/vars.ts';
import { registry } from '../modules/index.ts';
import { configureVault } from '../engine/vault/password.ts';

type Flags = { inventory?: string; check?: boolean; exact?: boolean; viewMemory?: number; diff?: boolean; json?: boolean; limit?: string; tags?: string[]; skipTags?: string[];
  extraVars?: string[]; forks?: number; become?: boolean; detailedExitcode?: boolean; acceptNew?: boolean; lockWait?: number; breakLock?: boolean;
  vaultPasswordFile?: string };

/**
 * The flags with ansible.cfg's defaults (withAnsibleCfg), and where a vault file met while loading gets its
 * password (asked once per run, only if one is met).
 */
const useVault = <F extends Flags>(flags: F, cfg = ansibleCfg()) => {
  const { vaultPasswordFile, cfg: _cfg, ...f } = withAnsibleCfg(flags, cfg);
  configureVault({ passwordFile: vaultPasswordFile });
  return f;
};

export function registerEngine(program: Command): void {
  program.command('apply')
    .description('converge the hosts of an inventory to a playbook')
    .argument('<playbook>', 'playbook file (YAML)')
    .addOption(inventoryOption())
    .option('-C, --check', 'exact dry run: plan and report, change nothing')
    .option('--exact', 'with --check (implied): apply each host\'s changes in a throwaway copy-on-write view of it and report what each task would write, delete and start; nothing changes on the host (falls back to --check where a host cannot have a view)')
    .option('--view-memory <size>', 'with --exact: the most the view may hold, in the host\'s memory (default 256m); a host with less memory available falls back to --check', bytes(1024 * 1024))
    .option('-D, --diff', 'show a unified diff for every file content change')
    .option('--json', 'print one JSON document instead of lines and a recap')
    .addOption(limitOption())
    .option('-t, --tags <tags>', 'only tasks with these tags (comma-separated)', csv)
    .option('--skip-tags <tags>', 'skip tasks with these tags', csv)
    .addOption(extraVarsOption())
    .option('-f, --forks <n>', 'hosts at once (default: all)', positiveInt(10_000))
    .option('-b, --become', 'run tasks as root through sudo')
    .option('--detailed-exitcode', 'exit 2 when changes were found or made')
    .addOption(acceptNewOption())
    .addOption(lockWaitOption())
    .option('--break-lock', 'take a host lock held by a run that is gone but whose session lingers (kills its holder)')
    .addOption(vaultPasswordOption())
    .action(async (playbook: string, f: Flags) => {
      process.exitCode = await apply({ playbook, ...useVault(f) } satisfies ApplyOptions, registry);
    });
  program.command('validate')
    .description('report every problem of a playbook and inventory at once (file:line:col), connecting to nothing')
    .argument('<playbook>', 'playbook file (YAML)')
    .addOption(inventoryOption())
    .addOption(extraVarsOption())
    .addOption(limitOption())
    .addOption(vaultPasswordOption())
    .action((playbook: string, f: Flags) => {
      const cfg = ansibleCfg();
      const { plays, warnings } = loadAndValidate({ playbook, ...useVault(f, cfg) }, registry);
      if (cfg?.ignored.length) warnings.push(`${cfg.file}: not applied by provision: ${cfg.ignored.join(', ')}`);
      for (const w of warnings) console.error(`warning: ${w}`);
      console.log(`${playbook}: ${plays.length} play(s), ${plays.reduce((n, p) => n + p.tasks.length, 0)} task(s): valid`);
    });
  program.command('vars')
    .description('the merged variables of a host, with the source of each')
    .argument('<host>', 'inventory host name')
    .addOption(inventoryOption())
    .addOption(extraVarsOption())
    .option('--json', 'as JSON')
    .option('--show-secrets', 'show the values of sensitive and vault variables too (masked otherwise)')
    .addOption(vaultPasswordOption())
    .action((host: string, flags: Flags & { showSecrets?: boolean }) => {
      const f = useVault(flags);
      const inv = f.defaults ? withDefaults(loadInventory(f.inventory), f.defaults.vars, f.defaults.source) : loadInventory(f.inventory);
      if (!inv.hosts.has(host)) throw new UserError(`no host "${host}" in ${f.inventory}`, EXIT.invalid);
      const layer = mergeLayers(hostVars(inv, host), parseExtraVars(f.extraVars ?? []));
      if (!f.showSecrets) {
        // A sensitive variable's value is masked (vault variables too: provision vault view FILE shows them), and so
        // is a secret quoted inside another value.
        const values = varValues(layer);
        const secrets = sensitiveValues(values);
        for (const [k, s] of Object.entries(layer)) layer[k] = { ...s, value: isSensitiveVar(k, values) ? MASK : redactValue(s.value, secrets) };
      }
      if (f.json) return console.log(JSON.stringify(layer, null, 2));
      const keys = Object.keys(layer).sort();
      const w = Math.max(...keys.map((k) => k.length), 4);
      for (const k of keys) console.log(`${k.padEnd(w)}  ${JSON.stringify(layer[k].value)}  # ${layer[k].source}`);
    });
  program.command('schema')
    .description('the JSON Schema of the playbook format, built from the module schemas (for editors)')
    .action(() => console.log(JSON.stringify(playbookSchema(registry.modules), null, 2)));
}
