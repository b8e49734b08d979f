// service: a service running or stopped (or restarted, reloaded), and started at boot or not; systemd or sysv init.
// As Ansible's service action chooses (`use: auto`): the systemd module where systemd runs the host, which ignores
// sleep, pattern, runlevel and arguments (Ansible warns and drops them); without systemd, its sysvinit module when
// pid 1 is `init` or a shell (restart as stop, sleep, start, sleep; runlevel refused), else its generic service
// module (restart as stop, sleep if given, start; runlevel only for OpenRC, so unused on Debian). Under both,
// `pattern` decides whether the service runs (a line of `ps auxww` holding it), `arguments` follow each command.
// daemon_reload reaches the systemd module as Ansible's action hands it every other argument (sysv modules refuse it).
import { split } from 'shlex';
import { type ServiceState, daemonReloadFact, serviceFact } from '../facts/services.ts';
import { type Change, type Effect, type FactDef, type Step, defineModule } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

export type ServiceArgs = {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  sleep?: number;
  pattern?: string;
  runlevel?: string;
  arguments?: string;
  use?: string;
  daemon_reload?: boolean;
};

type Action = 'start' | 'stop' | 'restart' | 'reload';

/**
 * The steps (and their notes) that bring a service or unit to `state`, each made by `act`; the same for service and
 * systemd_service. A program its unit runs that is gone is refused when planned, so --check says what apply meets.
 */
export function stateSteps(what: string, name: string, state: ServiceArgs['state'], now: ServiceState, act: (verb: Action) => Step | Step[]): { steps: Step[]; notes: string[] } {
  // systemd would fail with 203/EXEC.
  if (now.missingProgram && state && state !== 'stopped' && !(state === 'started' && now.active)) {
    throw new Error(`${what} ${name} cannot start: its program ${now.missingProgram} is not installed (its package was removed, its unit left behind)`);
  }
  const steps = (verb: Action) => [act(verb)].flat();
  if (state === 'started' && !now.active) return { steps: steps('start'), notes: [`start ${name}`] };
  if (state === 'stopped' && now.active) return { steps: steps('stop'), notes: [`stop ${name}`] };
  if (state === 'restarted') return { steps: steps('restart'), notes: [`restart ${name}`] };
  // A stopped service cannot reload: started instead (as Ansible does), which reads its configuration too.
  if (state === 'reloaded') return { steps: steps(now.active ? 'reload' : 'start'), notes: [now.active ? `reload ${name}` : `start ${name} (it was stopped, so not reloaded)`] };
  return { steps: [], notes: [] };
}

/** The name of pid 1 (/proc/1/comm): Ansible's service_mgr fact decides by it which module `service` runs. */
export const pid1Fact: FactDef<string> = { key: 'init:pid1', script: 'cat /proc/1/comm 2>/dev/null', parse: (out) => out.trim(), lazy: true, readOnly: true };

/**
 * Whether a line of `ps auxww` holds `pattern` (Ansible's get_ps), leaving out this script's own processes and their
 * ancestors (sh -c, sudo), whose command lines hold it too; the pattern reaches awk through its environment.
 */
export function patternFact(pattern: string): FactDef<boolean> {
  return {
    key: `ps:${pattern}`,
    lazy: true,
    script: [
      `p=$(sh -c 'echo $PPID'); a=' '; while [ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null; do a="$a$p "; p=$(cut -d')' -f2- /proc/$p/stat 2>/dev/null | cut -d' ' -f3); done;`,
      `t=$(mktemp) && ps auxww > "$t" && P=${shq(pattern)} awk -v a="$a" 'BEGIN { pat = ENVIRON["P"] } index(a, " " $2 " ") == 0 && index($0, pat) { f = 1 } END { print f ? "running" : "stopped" }' "$t"; rm -f "$t"`,
    ].join(' '),
    parse: (out) => out.trim() === 'running',
  };
}

type Backend = 'systemd' | 'sysvinit' | 'service';

/** The module Ansible's service action runs: `use`, else by the service manager it detects. */
function backend(a: ServiceArgs, now: ServiceState, pid1: () => string): Backend {
  const use = (a.use ?? 'auto').toLowerCase();
  if (use === 'auto') {
    if (now.init === 'systemd') return 'systemd';
    const comm = pid1();
    // service_mgr: pid 1 named init or a shell says nothing (then sysvinit, /etc/init.d being there); another name is
    // taken as the manager's, and one Ansible has no module for runs its generic service module.
    return comm === '' || comm === 'init' || comm.endsWith('sh') ? 'sysvinit' : comm === 'systemd' ? 'systemd' : 'service';
  }
  if (use === 'systemd') {
    if (now.init === 'sysv') throw new Error('use: systemd is not supported here: this host runs sysv init, not systemd (leave use to auto)');
    return 'systemd';
  }
  if (use === 'sysvinit' || use === 'service') {
    if (now.init === 'systemd') {
      throw new Error(`use: ${use} is not supported on a host systemd runs: Ansible's ${use} module would drive the service behind systemd's back (leave use to auto, or use systemd)`);
    }
    return use;
  }
  throw new Error(`use: ${a.use} is not supported: Debian's service managers are systemd and sysv init (use auto, systemd, sysvinit or service)`);
}

export default defineModule<ServiceArgs>({
  name: 'service',
  fqcn: ['ansible.builtin.service', 'ansible.legacy.service'],
  aliases: { args: 'arguments' },
  description: 'Start, stop, restart or reload a service, and enable or disable it at boot (systemd or sysv init).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9_@][A-Za-z0-9_.@:-]*$',
        maxLength: 256,
        description: 'a service or unit name, like nginx or getty@tty1.service',
      },
      state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] },
      enabled: { type: 'boolean' },
      sleep: { type: 'integer', minimum: 0, description: 'sysv: seconds between the stop and the start of a restart (sysvinit: 1, and after the start too); ignored under systemd, as Ansible' },
      pattern: { type: 'string', minLength: 1, description: 'sysv: the service runs when a line of `ps auxww` holds it; ignored under systemd, as Ansible' },
      runlevel: { type: 'string', description: "only OpenRC's (unused on Debian); under sysvinit Ansible refuses it; ignored under systemd, as Ansible" },
      arguments: { type: 'string', description: 'sysv: words added to each start/stop/reload command; ignored under systemd, as Ansible' },
      use: { type: 'string', description: 'auto (as Ansible detects), systemd, sysvinit or service (on hosts without systemd)' },
      daemon_reload: { type: 'boolean', description: 'systemd: its unit files read again first (systemctl daemon-reload), not counted as a change; refused without systemd, as Ansible' },
    },
    anyOf: [{ required: ['state'] }, { required: ['enabled'] }],
  },
  facts: (a) => [...(a.daemon_reload ? [daemonReloadFact] : []), serviceFact(a.name), pid1Fact, ...(a.state && a.pattern !== undefined ? [patternFact(a.pattern)] : [])],
  plan(a, facts) {
    const now = facts.get(serviceFact(a.name));
    if (!now.exists) throw new Error(`no service "${a.name}" on this host`);
    if (now.masked && a.state && a.state !== 'stopped') throw new Error(`service ${a.name} is masked: it cannot be ${a.state} (unmask it: systemd_service with masked: false)`);
    const mod = backend(a, now, () => facts.get(pid1Fact));
    const sysv = mod !== 'systemd';
    if (mod === 'sysvinit' && a.runlevel !== undefined) {
      throw new Error('Unsupported parameters for (ansible.legacy.sysvinit) module: runlevel (without systemd Ansible runs its sysvinit module, which takes runlevels, not runlevel)');
    }
    if (sysv && a.daemon_reload !== undefined) {
      throw new Error(`Unsupported parameters for (ansible.legacy.${mod}) module: daemon_reload (only systemd's module takes it, and this host's services are not systemd's)`);
    }
    // As systemd_service: daemon-reload, when a unit file changed, is not counted as a change (Ansible's is not).
    const reload = a.daemon_reload ? facts.get(daemonReloadFact) : undefined;
    const reloads: Change[] = reload?.needed ? [{ summary: 'daemon-reload (systemd reads its changed unit files again)', steps: [{ exec: ['systemctl', 'daemon-reload'] }],
      effects: [{ key: daemonReloadFact.key, value: { systemd: true, needed: false } }], unreported: true }] : [];
    // What systemd's module does not take, Ansible drops (with a warning): sleep, pattern, runlevel, arguments.
    const extra = sysv ? split(a.arguments ?? '') : [];
    const pause = sysv ? a.sleep ?? (mod === 'sysvinit' ? 1 : 0) : 0;
    const nap: Step[] = pause ? [{ exec: ['sleep', String(pause)] }] : [];
    const run = (verb: Action): Step => ({ exec: sysv ? ['service', a.name, verb, ...extra] : ['systemctl', verb, a.name] });
    // Without systemd, Ansible restarts as stop then start ("not all services support restart"), sleeping between.
    const act = (verb: Action): Step[] => (sysv && verb === 'restart' ? [run('stop'), ...nap, run('start'), ...(mod === 'sysvinit' ? nap : [])] : [run(verb)]);
    const pattern = sysv && a.state && a.pattern !== undefined ? patternFact(a.pattern) : undefined;
    const seen = pattern ? { ...now, active: facts.get(pattern) } : now;
    const { steps, notes } = stateSteps('service', a.name, a.state, seen, act);
    const after: ServiceState = { ...now };
    if (reload?.needed) delete after.needsReload;
    if (a.state) after.active = a.state !== 'stopped';

    if (a.enabled === true && !now.enabled) {
      // `defaults` makes the links when there are none; `enable` turns existing K links (after a disable) into S links.
      steps.push(...(sysv
        ? [{ exec: ['update-rc.d', a.name, 'defaults'] }, { exec: ['update-rc.d', a.name, 'enable'] }]
        : [{ exec: ['systemctl', 'enable', a.name] }]));
      notes.push(`enable ${a.name} at boot`);
    } else if (a.enabled === false && now.enabled) {
      steps.push({ exec: sysv ? ['update-rc.d', a.name, 'disable'] : ['systemctl', 'disable', a.name] });
      notes.push(`disable ${a.name} at boot`);
    }
    if (a.enabled !== undefined) after.enabled = a.enabled;

    if (!steps.length) {
      if (reloads.length && now.needsReload) reloads[0].effects.push({ key: serviceFact(a.name).key, value: after });
      return reloads;
    }
    // Whether the pattern shows once the service started is the pattern's business: not predicted.
    const effects: Effect[] = [{ key: serviceFact(a.name).key, value: after }, ...(pattern && a.state ? [{ key: pattern.key, unknown: true as const }] : [])];
    return [...reloads, { summary: notes.join(', '), steps, effects }];
  },
  // A pattern that does not show the started service makes Ansible start it on every run: planning again cannot judge it.
  verifiable: (a) => !['restarted', 'reloaded'].includes(a.state ?? '') && !(a.state && a.pattern !== undefined),
});
