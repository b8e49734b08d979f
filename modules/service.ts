// service: a service running or stopped (or restarted, reloaded), and started at boot or not; systemd or sysv init.
import { type ServiceState, serviceFact } from '../facts/services.ts';
import { type Step, defineModule } from '../engine/module.ts';

export type ServiceArgs = {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
};

type Action = 'start' | 'stop' | 'restart' | 'reload';

/**
 * The steps (and their notes) that bring a service or unit to `state`, each made by `act`; the same for service and
 * systemd_service. A program its unit runs that is gone is refused when planned, so --check says what apply meets.
 */
export function stateSteps(what: string, name: string, state: ServiceArgs['state'], now: ServiceState, act: (verb: Action) => Step): { steps: Step[]; notes: string[] } {
  // systemd would fail with 203/EXEC.
  if (now.missingProgram && state && state !== 'stopped' && !(state === 'started' && now.active)) {
    throw new Error(`${what} ${name} cannot start: its program ${now.missingProgram} is not installed (its package was removed, its unit left behind)`);
  }
  if (state === 'started' && !now.active) return { steps: [act('start')], notes: [`start ${name}`] };
  if (state === 'stopped' && now.active) return { steps: [act('stop')], notes: [`stop ${name}`] };
  if (state === 'restarted') return { steps: [act('restart')], notes: [`restart ${name}`] };
  // A stopped service cannot reload: started instead (as Ansible does), which reads its configuration too.
  if (state === 'reloaded') return { steps: [act(now.active ? 'reload' : 'start')], notes: [now.active ? `reload ${name}` : `start ${name} (it was stopped, so not reloaded)`] };
  return { steps: [], notes: [] };
}

export default defineModule<ServiceArgs>({
  name: 'service',
  fqcn: ['ansible.builtin.service', 'ansible.legacy.service'],
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
    },
    anyOf: [{ required: ['state'] }, { required: ['enabled'] }],
  },
  facts: (a) => [serviceFact(a.name)],
  plan(a, facts) {
    const now = facts.get(serviceFact(a.name));
    if (!now.exists) throw new Error(`no service "${a.name}" on this host`);
    if (now.masked && a.state && a.state !== 'stopped') throw new Error(`service ${a.name} is masked: it cannot be ${a.state} (unmask it: systemd_service with masked: false)`);
    const sysv = now.init === 'sysv';
    const act = (verb: Action): Step => ({ exec: sysv ? ['service', a.name, verb] : ['systemctl', verb, a.name] });
    const { steps, notes } = stateSteps('service', a.name, a.state, now, act);
    const after: ServiceState = { ...now };
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

    if (!steps.length) return [];
    return [{ summary: notes.join(', '), steps, effects: [{ key: serviceFact(a.name).key, value: after }] }];
  },
  verifiable: (a) => !['restarted', 'reloaded'].includes(a.state ?? ''),
});
