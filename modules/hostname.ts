// hostname: the host's name, set as Ansible's hostname module sets it on Debian. With systemd (auto-detected as
// Ansible does, or `use: systemd`/`debian`) through hostnamectl: the static (and pretty) name first, then the
// transient one if it still differs; without systemd, /etc/hostname alone (Ansible's FileStrategy for Debian).
// Like Ansible, it sets the host's ansible_hostname, ansible_nodename, ansible_fqdn and ansible_domain (`sets`).
import { type Change, type FactDef, type Step, defineModule, readOnly } from '../engine/module.ts';

export type HostnameArgs = { name: string; use?: string };

/** A hostnamectl read: its exit code and what it printed (stdout and stderr). */
type Read = { rc: number; out: string };

export type HostnameState = {
  /** systemctl is there and systemd booted the host: Ansible's is_systemd_managed. */
  systemd: boolean;
  /** `hostnamectl --static status` and `--transient status`, when hostnamectl is installed. */
  static?: Read;
  transient?: Read;
  /** /etc/hostname's text, null when it is not a file. */
  file: string | null;
};

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export const hostnameFact: FactDef<HostnameState> = {
  key: 'hostname',
  script: [
    'if command -v systemctl >/dev/null 2>&1 && { [ -e /run/systemd/system/ ] || [ -e /dev/.run/systemd/ ] || [ -e /dev/.systemd/ ]; }; then echo systemd; else echo other; fi;',
    'if command -v hostnamectl >/dev/null 2>&1; then for w in static transient; do o=$(hostnamectl --$w status 2>&1); r=$?;',
    'echo "$w $r $(printf %s "$o" | base64 -w0)"; done; fi;',
    'if [ -f /etc/hostname ]; then echo "file $(base64 -w0 /etc/hostname)"; else echo nofile; fi',
  ].join(' '),
  parse(out) {
    const lines = out.split('\n');
    const s: HostnameState = { systemd: lines[0] === 'systemd', file: null };
    for (const l of lines.slice(1)) {
      const [w, x = '', y = ''] = l.split(' ');
      if (w === 'static' || w === 'transient') s[w] = { rc: Number(x), out: b64(y) };
      if (w === 'file') s.file = b64(x);
    }
    return s;
  },
};

/**
 * The fully qualified name as the host resolves its own (what gathered facts give as ansible_fqdn): read only for
 * `sets`, so only read (readOnly, no effect): in --check it stays the host's present one, as Ansible's module in
 * check mode reports it; after a real change it is read again.
 */
export const fqdnFact: FactDef<string> = readOnly({
  key: 'hostname:fqdn',
  script: 'hostname -f 2>/dev/null || uname -n',
  parse: (out) => out.trim(),
});

const STRATEGIES = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'];

/** The strategy Ansible takes on a Debian host: `use`, else systemd when systemd runs it, else the file alone. */
function strategy(a: HostnameArgs, now: HostnameState): 'systemd' | 'file' {
  if (a.use === undefined) return now.systemd ? 'systemd' : 'file';
  if (a.use === 'debian' || a.use === 'systemd') return 'systemd';
  throw new Error(`use: ${a.use} is not supported: it is the strategy of another system; on Debian Ansible uses systemd (debian is the same), or /etc/hostname alone without systemd (left to auto-detection)`);
}

/** A hostnamectl read as Ansible takes it: stripped, or the module fails with its output. */
function name(what: string, r: Read | undefined): string {
  if (!r) throw new Error('hostname: hostnamectl is not installed (the systemd strategy needs it)');
  if (r.rc !== 0) throw new Error(`Command failed rc=${r.rc}, out=${r.out}: hostnamectl --${what} status`);
  return r.out.trim();
}

export default defineModule<HostnameArgs>({
  name: 'hostname',
  fqcn: ['ansible.builtin.hostname', 'ansible.legacy.hostname'],
  description: "The host's name (hostnamectl under systemd, else /etc/hostname), and the ansible_hostname/nodename/fqdn/domain facts after it.",
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'the name of the host' },
      use: { enum: STRATEGIES, description: 'the strategy: systemd or debian (the same on Debian); the others are refused' },
    },
  },
  facts: () => [hostnameFact, fqdnFact],
  // hostnamectl asks systemd-hostnamed over D-Bus, which the exact check's view has none of (its /etc/hostname alone it can write).
  unknownInView: (a, facts) => (strategy(a, facts.get(hostnameFact)) === 'systemd'
    ? { why: 'hostnamectl asks systemd-hostnamed over D-Bus, and the view has no D-Bus', diverges: true } : undefined),
  plan(a, facts) {
    const now = facts.get(hostnameFact);
    const how = strategy(a, now);
    const steps: Step[] = [];
    const after: HostnameState = { ...now };
    let before: string;
    if (how === 'systemd') {
      const permanent = name('static', now.static);
      const current = name('transient', now.transient);
      before = current !== a.name ? current : permanent;
      if ((permanent !== a.name || current !== a.name) && a.name.length > 64) {
        throw new Error('name cannot be longer than 64 characters on systemd servers, try a shorter name');
      }
      // As Ansible: the static name first (which sets the kernel's too), then the transient one, read again, if it still differs.
      if (permanent !== a.name) {
        steps.push({ exec: ['hostnamectl', '--pretty', '--static', 'set-hostname', a.name] });
        if (current !== a.name) {
          steps.push({ exec: ['sh', '-c', '[ "$(hostnamectl --transient status)" = "$1" ] || hostnamectl --transient set-hostname "$1"', 'sh', a.name] });
        }
      } else if (current !== a.name) steps.push({ exec: ['hostnamectl', '--transient', 'set-hostname', a.name] });
      Object.assign(after, { static: { rc: 0, out: a.name }, transient: { rc: 0, out: a.name }, file: `${a.name}\n` });
    } else {
      before = (now.file ?? '').trim();
      // Ansible's FileStrategy: the file rewritten in place, the running name left as it is.
      if (before !== a.name) steps.push({ exec: ['sh', '-c', 'printf "%s\\n" "$1" > /etc/hostname', 'sh', a.name] });
      after.file = `${a.name}\n`;
    }
    if (!steps.length) return [];
    const change: Change = {
      summary: `hostname ${a.name} (was ${before})`,
      // Ansible's diff of it, in its words.
      diff: { path: 'hostname', before: `hostname = ${before}\n`, after: `hostname = ${a.name}\n` },
      steps,
      effects: [{ key: hostnameFact.key, value: after }],
    };
    return [change];
  },
  localSets: () => ['ansible_hostname', 'ansible_nodename', 'ansible_fqdn', 'ansible_domain', 'ansible_facts'],
  sets(a, facts) {
    const fqdn = facts.get(fqdnFact);
    return {
      ansible_hostname: a.name.split('.')[0],
      ansible_nodename: a.name,
      ansible_fqdn: fqdn,
      ansible_domain: fqdn.split('.').slice(1).join('.'),
    };
  },
  returns: (a) => ({ name: a.name }),
});
