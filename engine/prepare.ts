// Everything `validate` and `apply` check before any connection: the inventory, the playbook against the
// module registry, -e, --limit, undefined variables and local files; and a host's variables for a play.
import { EXIT, UserError, type Where, formatProblem } from './errors.ts';
import { type Connection, connection } from './inventory/connection.ts';
import { type Inventory, hostVars, loadInventory, selectHosts, withDefaults } from './inventory/inventory.ts';
import type { Registry } from './module.ts';
import { checkPlays } from './playbook/check.ts';
import { type PlayDef, parsePlaybook } from './playbook/parse.ts';
import { deferredIncludes } from './playbook/types.ts';
import { readsHostvars } from './playbook/hostvars-reads.ts';
import { withSshConfig } from './ssh-config.ts';
import { type VarLayer, layerOf, mergeLayers, parseExtraVars, resolveVars } from './vars/vars.ts';
import { factVars, factVariableNames } from './host-facts.ts';
import { OMIT } from './task-control.ts';

/** What is loaded: a playbook, an inventory, extra variables, a host limit. */
export type LoadOptions = { playbook: string; inventory: string; extraVars?: string[]; limit?: string;
  /** Connection variables under the whole inventory (ansible.cfg's), and where they come from. */
  defaults?: { vars: Record<string, unknown>; source: string } };

export type Loaded = { inv: Inventory; plays: PlayDef[]; extra: VarLayer; hostsOf(play: PlayDef): string[];
  /** Each host's facts as it gathered them last (hostvars of other hosts reads them), filled as the run goes. */
  facts: Map<string, Record<string, unknown>>;
  /** What is refused only if a conditional include runs (IncludeDef.deferred), one line each: validate shows them. */
  warnings: string[];
  layerFor(play: PlayDef, host: string, facts?: Record<string, unknown>): VarLayer };

/** Loads and checks everything; throws UserError (exit 4) listing every problem at its file:line:col. */
export function loadAndValidate(o: LoadOptions, registry: Registry): Loaded {
  const inv = o.defaults ? withDefaults(loadInventory(o.inventory), o.defaults.vars, o.defaults.source) : loadInventory(o.inventory);
  const extra = parseExtraVars(o.extraVars ?? []);
  const { plays, problems } = parsePlaybook(o.playbook, registry.modules);
  const limit = o.limit ? new Set(selectHosts(inv, o.limit)) : undefined;
  if (o.limit && limit!.size === 0) problems.push({ where: { file: o.inventory, line: 1, col: 1 }, message: `--limit ${o.limit} matches no host` });
  const hostsOf = (play: PlayDef) => selectHosts(inv, play.hosts).filter((h) => !limit || limit.has(h));
  // Ansible's precedence: role defaults < inventory < the host's facts < play vars < vars_files < role vars < -e.
  const layerFor = (play: PlayDef, host: string, facts?: Record<string, unknown>) => mergeLayers(
    ...play.roleDefaults.map((d) => layerOf(d.vars, `role ${d.role} defaults`)), hostVars(inv, host),
    layerOf(facts && factVars(facts), 'gathered facts'),
    layerOf(play.vars, `play "${play.name}" vars`), ...play.varsFiles.map((f) => layerOf(f.vars, f.file)),
    ...play.roleVars.map((v) => layerOf(v.vars, `role ${v.role} vars`)), extra);
  problems.push(...checkPlays(plays, hostsOf, (play, host) => new Set([...Object.keys(layerFor(play, host)),
    ...(play.gatherFacts ? factVariableNames() : [])]), registry.modules));
  // How each host is reached (port, become_user): wrong settings are found now, not after other hosts connected.
  for (const host of new Set(plays.flatMap(hostsOf))) {
    try {
      hostConnection(inv, host, false, extra);
    } catch (err) {
      problems.push({ where: sourceOf(inv, host, err as Error), message: (err as Error).message });
    }
  }
  if (problems.length) throw new UserError(problems.map(formatProblem).join('\n'), EXIT.invalid);
  const warnings = plays.flatMap((play) => deferredIncludes(play.body)).flatMap((inc) => inc.deferred!.map((p) =>
    `${formatProblem(p)} (refused only if the include at ${inc.include.where.file}:${inc.include.where.line}:${inc.include.where.col} runs: Ansible reads its file only then)`));
  for (const play of plays) play.readsHostvars = readsHostvars(play, registry.modules);
  return { inv, plays, extra, hostsOf, layerFor, warnings, facts: new Map() };
}

/** A host's variables (with the magic ones and -e, which wins for connection variables too, as in Ansible) and how to reach it. */
export function hostConnection(inv: Inventory, host: string, check = false, extra: VarLayer = {}): { hv: Record<string, unknown>; c: Connection } {
  const hv = resolveVars(mergeLayers(hostVars(inv, host), extra), magicVars(inv, host, '', check));
  // What the inventory leaves out, the user's ~/.ssh/config may give (its errors are found by validate too).
  return { hv, c: withSshConfig(connection(hv)) };
}

/** Where the host variable an error names (`host H: KEY ...`) was set: its file and line, else the inventory's start. */
function sourceOf(inv: Inventory, host: string, err: Error): Where {
  const key = new RegExp(`^host ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\w+)[: ]`).exec(err.message)?.[1];
  const source = key ? hostVars(inv, host)[key]?.source : undefined;
  const m = source ? /^(.+?):(\d+)\b/.exec(source) : null;
  return m ? { file: m[1], line: Number(m[2]), col: 1 } : { file: inv.sources[0] ?? 'inventory', line: 1, col: 1 };
}

/** The variables Ansible sets for every host: its names, its groups, check mode, the playbook's directory. */
export function magicVars(inv: Inventory, host: string, playDir: string, check: boolean): Record<string, unknown> {
  const groups = Object.fromEntries([...inv.groups.values()].map((g) => [g.name, selectHosts(inv, g.name)]));
  return {
    inventory_hostname: host, inventory_hostname_short: host.split('.')[0],
    group_names: (inv.hosts.get(host)?.groups ?? []).filter((g) => g !== 'all' && g !== 'ungrouped'),
    groups, ansible_check_mode: check, playbook_dir: playDir,
  };
}

/** A play's variables for a host (with its gathered facts), resolved as its tasks see them. */
export function hostPlayVars(loaded: Loaded, play: PlayDef, host: string, check = false, facts?: Record<string, unknown>,
  batch?: string[]): Record<string, unknown> {
  const playHosts = loaded.hostsOf(play);
  return resolveVars(loaded.layerFor(play, host, facts), {
    ...magicVars(loaded.inv, host, play.dir, check),
    ansible_play_hosts: playHosts, ansible_play_batch: batch ?? playHosts, play_hosts: batch ?? playHosts,
    ansible_play_hosts_all: playHosts, ansible_play_name: play.name, omit: OMIT,
    hostvars: hostvarsOf(loaded, host, facts),
  });
}

/**
 * hostvars: every inventory host's variables, resolved when one is read (a Proxy: nothing is computed for
 * hosts no template names), with its facts: the running host's, another's as it gathered them last in this
 * run (the hosts of a play that reads hostvars wait for each other's facts before its first task).
 */
function hostvarsOf(loaded: Loaded, self: string, facts?: Record<string, unknown>): Record<string, unknown> {
  const cache = new Map<string, Record<string, unknown>>();
  const of = (h: string) => {
    const cached = cache.get(h);
    if (cached) return cached;
    const f = h === self ? facts : loaded.facts.get(h);
    const layer = mergeLayers(hostVars(loaded.inv, h), layerOf(f && factVars(f), 'gathered facts'));
    const vars = resolveVars(layer, magicVars(loaded.inv, h, '', false));
    // Another host's facts may come later (it gathers as this one runs): kept only once they are in.
    if (f || h === self) cache.set(h, vars);
    return vars;
  };
  return new Proxy({}, {
    get: (_t, k) => (typeof k === 'string' && loaded.inv.hosts.has(k) ? of(k) : undefined),
    has: (_t, k) => typeof k === 'string' && loaded.inv.hosts.has(k),
    ownKeys: () => [...loaded.inv.hosts.keys()],
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && loaded.inv.hosts.has(k)
      ? { enumerable: true, configurable: true, value: of(k) } : undefined),
  });
}
