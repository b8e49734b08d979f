// systemd_service (and its older name systemd): a unit started, stopped, restarted or reloaded, enabled or not
// at boot, masked or not, and systemd's unit files read again (daemon_reload), in Ansible's order: daemon-reload,
// mask/unmask, enable/disable, then the state. daemon-reload runs only when a loaded unit's file changed since
// systemd read it, and, as in Ansible, it never makes the task changed. System scope only.
import { type ServiceState, daemonReloadFact, serviceFact } from '../facts/services.ts';
import { type Change, type Step, defineModule } from '../engine/module.ts';
import { stateSteps } from './service.ts';

export type SystemdArgs = {
  name?: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  masked?: boolean;
  daemon_reload?: boolean;
  force?: boolean;
  no_block?: boolean;
  scope?: 'system';
};

const UNIT = '^[A-Za-z0-9_@][A-Za-z0-9_.@:\\\\-]*$';

export default defineModule<SystemdArgs>({
  name: 'systemd_service',
  fqcn: ['systemd', 'ansible.builtin.systemd_service', 'ansible.builtin.systemd', 'ansible.legacy.systemd_service', 'ansible.legacy.systemd'],
  aliases: { service: 'name', unit: 'name', 'daemon-reload': 'daemon_reload' },
  description: 'A systemd unit started, stopped, restarted or reloaded, enabled at boot or not, masked or not; daemon_reload reads changed unit files.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: UNIT, maxLength: 256, description: 'a unit name, like nginx or getty@tty1.service' },
      state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] },
      enabled: { type: 'boolean' },
      masked: { type: 'boolean' },
      daemon_reload: { type: 'boolean', default: false },
      force: { type: 'boolean', description: 'enable/disable with --force (replace conflicting links)' },
      no_block: { type: 'boolean', description: 'start/stop without waiting for the job to finish (--no-block)' },
      scope: { enum: ['system'], description: 'system (the user and global scopes are not supported yet)' },
    },
    anyOf: [{ required: ['state'] }, { required: ['enabled'] }, { required: ['masked'] }, { required: ['daemon_reload'] }],
  },
  facts: (a) => [...(a.daemon_reload ? [daemonReloadFact] : []), ...(a.name ? [serviceFact(a.name)] : [])],
  plan(a, facts) {
    if ((a.state !== undefined || a.enabled !== undefined || a.masked !== undefined) && !a.name) {
      throw new Error('systemd_service: state, enabled and masked need a name');
    }
    const changes: Change[] = [];
    const reload = a.daemon_reload ? facts.get(daemonReloadFact) : undefined;
    if (reload && !reload.systemd) throw new Error('systemd_service needs systemd, and this host runs sysv init (use service)');
    if (reload?.needed) {
      // Ansible runs daemon-reload without counting it as a change: so does this (the task stays ok for it).
      changes.push({ summary: 'daemon-reload (systemd reads its changed unit files again)', steps: [{ exec: ['systemctl', 'daemon-reload'] }],
        effects: [{ key: daemonReloadFact.key, value: { systemd: true, needed: false } }], unreported: true });
    }
    if (!a.name) return changes;
    const now = facts.get(serviceFact(a.name));
    if (now.init === 'sysv') throw new Error('systemd_service needs systemd, and this host runs sysv init (use service)');
    const after: ServiceState = { ...now };
    if (reload?.needed) delete after.needsReload;
    const steps: Step[] = [];
    const notes: string[] = [];
    const force = a.force ? ['--force'] : [];
    const block = a.no_block ? ['--no-block'] : [];
    if (a.masked === true && !now.masked) {
      steps.push({ exec: ['systemctl', 'mask', ...force, a.name] });
      notes.push(`mask ${a.name}`);
      after.masked = true;
      after.exists = true;
    } else if (a.masked === false && now.masked) {
      steps.push({ exec: ['systemctl', 'unmask', a.name] });
      notes.push(`unmask ${a.name}`);
      delete after.masked;
    }
    const masked = Boolean(after.masked);
    if (!now.exists && (a.state !== undefined || a.enabled !== undefined)) throw new Error(`no unit "${a.name}" on this host`);
    if (masked && (a.state === 'started' || a.state === 'restarted' || a.state === 'reloaded' || a.enabled === true)) {
      throw new Error(`unit ${a.name} is masked: it cannot be ${a.enabled === true ? 'enabled' : a.state} (unmask it with masked: false)`);
    }
    if (a.enabled === true && !now.enabled) {
      steps.push({ exec: ['systemctl', 'enable', ...force, a.name] });
      notes.push(`enable ${a.name} at boot`);
      after.enabled = true;
    } else if (a.enabled === false && now.enabled) {
      steps.push({ exec: ['systemctl', 'disable', ...force, a.name] });
      notes.push(`disable ${a.name} at boot`);
      after.enabled = false;
    }
    const state = stateSteps('unit', a.name, a.state, now, (verb) => ({ exec: ['systemctl', ...block, verb, a.name!] }));
    steps.push(...state.steps);
    notes.push(...state.notes);
    if (a.state) after.active = a.state !== 'stopped';
    if (steps.length) changes.push({ summary: notes.join(', '), steps, effects: [{ key: serviceFact(a.name).key, value: after }] });
    else if (reload?.needed && now.needsReload) changes[0].effects.push({ key: serviceFact(a.name).key, value: after });
    return changes;
  },
  verifiable: (a) => !['restarted', 'reloaded'].includes(a.state ?? ''),
});
