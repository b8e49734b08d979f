// Every service of a host as Ansible's service_facts lists them (ansible-core 2.14, service_facts.py): sysv
// scripts from `service --status-all`, then systemd units from `systemctl list-units` and `list-unit-files`
// (with each listed file's ActiveState), read with the same commands in LANG=C and parsed the same way.
import type { FactDef } from '../engine/module.ts';

export type ServiceEntry = { name: string; state: string; status?: string; source: 'sysv' | 'systemd' };

const SCRIPT = [
  'export LANG=C LC_ALL=C;',
  'if command -v service >/dev/null 2>&1 && ! command -v chkconfig >/dev/null 2>&1 && ! command -v rc-status >/dev/null 2>&1; then',
  '  service --status-all 2>/dev/null | sed "s/^/sysv:/"; fi;',
  'if grep -q systemd /proc/1/comm 2>/dev/null && command -v systemctl >/dev/null 2>&1; then',
  '  systemctl list-units --no-pager --type service --all 2>/dev/null | sed "s/^/unit:/";',
  '  systemctl list-unit-files --no-pager --type service --all 2>/dev/null | sed "s/^/file:/";',
  '  for u in $(systemctl list-unit-files --no-pager --type service --all 2>/dev/null | awk \'/\\.service/ {print $1}\'); do',
  '    echo "show:$u $(systemctl show "$u" --property=ActiveState 2>/dev/null | sed "s/^ActiveState=//")"; done;',
  'fi; true',
].join(' ');

const BAD_STATES = ['not-found', 'masked', 'failed'];

export function parseServices(out: string): Record<string, ServiceEntry> {
  const services: Record<string, ServiceEntry> = {};
  const lines = (tag: string) => out.split('\n').filter((l) => l.startsWith(`${tag}:`)).map((l) => l.slice(tag.length + 1));
  for (const line of lines('sysv')) {
    const m = /^\s*\[ (\+|-) \]\s+(.+)$/.exec(line);
    if (m) services[m[2]] = { name: m[2], state: m[1] === '+' ? 'running' : 'stopped', source: 'sysv' };
  }
  for (const line of lines('unit').filter((l) => l.includes('.service'))) {
    let fields = line.split(/\s+/).filter(Boolean);
    let status = 'unknown';
    const bad = BAD_STATES.find((b) => fields.includes(b));
    if (bad) {
      status = bad;
      fields = fields.slice(1);
    } else status = fields[2];
    services[fields[0]] = { name: fields[0], state: fields[3] === 'running' ? 'running' : 'stopped', status, source: 'systemd' };
  }
  const active = Object.fromEntries(lines('show').map((l) => [l.split(' ')[0], l.split(' ').slice(1).join(' ').trimEnd()]));
  for (const line of lines('file').filter((l) => l.includes('.service'))) {
    const [name, status] = line.split(/\s+/).filter(Boolean);
    if (!(name in services)) services[name] = { name, state: active[name] || 'unknown', status, source: 'systemd' };
    else if (!BAD_STATES.includes(services[name].status ?? '')) services[name].status = status;
  }
  return services;
}

/** The host's services, as service_facts has them. */
export const serviceListFact = (): FactDef<Record<string, ServiceEntry>> => ({ key: 'service-list', script: SCRIPT, parse: parseServices });
