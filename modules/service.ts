// service: a service running or stopped (or restarted, reloaded), and started at boot or not; systemd or sysv init.
import { type ServiceState, serviceFact } from '../facts/services.ts';
import { type Step, defineModule } from '../engine/module.ts';

export type ServiceArgs = {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
};

type Action = 'start' | 'stop' | 'restart' | 'reload';

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
    // systemd would fail with 203/EXEC: said when planned, so check mode says what apply meets.
    if (now.missingProgram && a.state && a.state !== 'stopped' && !(a.state === 'started' && now.active)) {
      throw new Error(`service ${a.name} cannot start: its program ${now.missingProgram} is not installed (its package was removed, its unit left behind)`);
    }
    const sysv = now.init === 'sysv';
    const act = (verb: Action): Step => ({ exec: sysv ? ['service', a.name, verb] : ['systemctl', verb, a.name] });
    const steps: Step[] = [];
    const notes: string[] = [];
    const after: ServiceState = { ...now };

    if (a.state === 'started' && !now.active) {
      steps.push(act('start'));
      notes.push(`start ${a.name}`);
    } else if (a.state === 'stopped' && now.active) {
      steps.push(act('stop'));
      notes.push(`stop ${a.name}`);
    } else if (a.state === 'restarted') {
      steps.push(act('restart'));
      notes.push(`restart ${a.name}`);
    } else if (a.state === 'reloaded') {
      // A stopped service cannot reload: start it, which reads its configuration too.
      steps.push(act(now.active ? 'reload' : 'start'));
      notes.push(now.active ? `reload ${a.name}` : `start ${a.name} (it was stopped, so not reloaded)`);
    }
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
