// Ansible's facts (gather_facts), the ones roles read most, read by one POSIX sh snippet batched with the other
// facts of a play's first exec, so a run that gathers facts still makes one remote exec per host. Each is
// computed as Ansible's setup module computes it (test/integration/host-facts.test.ts compares them with
// `ansible -m setup` on a lab host). They are variables twice, as in Ansible: `ansible_facts.NAME` and `ansible_NAME`.
import type { FactDef } from './module.ts';

/** The facts provision gathers, by their names in ansible_facts. */
export const FACT_NAMES = ['hostname', 'fqdn', 'nodename', 'domain', 'os_family', 'distribution', 'distribution_release',
  'distribution_version', 'distribution_major_version', 'distribution_file_variety', 'architecture', 'machine',
  'userspace_architecture', 'kernel', 'system', 'processor_vcpus', 'processor_count', 'processor_cores',
  'processor_threads_per_core', 'memtotal_mb', 'memfree_mb', 'swaptotal_mb', 'default_ipv4', 'all_ipv4_addresses',
  'interfaces', 'service_mgr', 'pkg_mgr', 'user_id', 'env', 'date_time', 'lsb'] as const;

/** The variables gathered facts give a play: ansible_facts and every ansible_NAME. */
export const factVariableNames = (): string[] => ['ansible_facts', ...FACT_NAMES.map((n) => `ansible_${n}`)];

const SCRIPT = [
  'n=$(uname -n); echo "nodename=$n"; echo "fqdn=$(hostname -f 2>/dev/null || echo "$n")";',
  'echo "machine=$(uname -m)"; echo "kernel=$(uname -r)"; echo "system=$(uname -s)";',
  'sed "s/^/os:/" /etc/os-release 2>/dev/null;',
  'grep -E "^(processor|physical id|cpu cores|siblings)[[:space:]]*:" /proc/cpuinfo 2>/dev/null | sed "s/^/cpu:/";',
  'grep -E "^(MemTotal|MemFree|SwapTotal):" /proc/meminfo 2>/dev/null | sed "s/^/mem:/";',
  'echo "route=$(ip -4 route get 8.8.8.8 2>/dev/null | head -n1)";',
  'ip -4 -o addr 2>/dev/null | sed "s/^/addr:/";',
  'ls -U /sys/class/net 2>/dev/null | sed "s/^/if:/";',
  'echo "init=$(cat /proc/1/comm 2>/dev/null)"; [ -d /run/systemd/system ] && echo "systemd=1";',
  'command -v apt-get >/dev/null 2>&1 && echo "pkg=apt"; command -v dnf >/dev/null 2>&1 && echo "pkg=dnf";',
  'echo "user=$(id -un)";',
  's=$(date +%s); echo "date=$(date -d "@$s" "+%Y|%m|%d|%H|%M|%S|%Z|%z|%A|%w|%W")|$s|$(date -u -d "@$s" "+%Y-%m-%dT%H:%M:%S")|$(date +%N | cut -c1-6)";',
  'command -v lsb_release >/dev/null 2>&1 && lsb_release -a 2>/dev/null | sed "s/^/lsb:/";',
  'echo "env=$(env -0 | base64 -w0 2>/dev/null)"',
].join(' ');

type Facts = Record<string, unknown>;

/** Ansible's names for distributions by os-release ID, and the families they belong to. */
const DISTRIBUTIONS: Record<string, string> = { debian: 'Debian', ubuntu: 'Ubuntu', raspbian: 'Debian', linuxmint: 'Linux Mint', kali: 'Kali', devuan: 'Devuan',
  centos: 'CentOS', rhel: 'RedHat', fedora: 'Fedora', rocky: 'Rocky', almalinux: 'AlmaLinux', alpine: 'Alpine', arch: 'Archlinux' };
const FAMILIES: Record<string, string> = { debian: 'Debian', ubuntu: 'Debian', raspbian: 'Debian', linuxmint: 'Debian', kali: 'Debian', devuan: 'Debian',
  centos: 'RedHat', rhel: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', alpine: 'Alpine', arch: 'Archlinux' };

const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');

function parseFacts(out: string): Facts {
  const one: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const m = /^(os|cpu|mem|addr|if|lsb):(.*)$/.exec(line);
    if (m) (many[m[1]] ??= []).push(m[2]);
    else if (line.includes('=')) one[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  const os = Object.fromEntries((many.os ?? []).filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), unquote(l.slice(l.indexOf('=') + 1))]));
  const id = (os.ID ?? '').toLowerCase();
  const like = (os.ID_LIKE ?? '').toLowerCase().split(/\s+/);
  const family = FAMILIES[id] ?? like.map((l) => FAMILIES[l]).find(Boolean) ?? (os.NAME ?? one.system ?? '');
  const version = os.VERSION_ID ?? '';
  const cpu = many.cpu ?? [];
  const field = (name: string) => cpu.filter((l) => l.startsWith(name)).map((l) => l.slice(l.indexOf(':') + 1).trim());
  const vcpus = field('processor').length;
  const sockets = new Set(field('physical id')).size || (vcpus ? 1 : 0);
  const cores = Number(field('cpu cores')[0] ?? 1);
  const siblings = Number(field('siblings')[0] ?? cores);
  const mem = Object.fromEntries((many.mem ?? []).map((l) => [l.slice(0, l.indexOf(':')), Math.floor(Number(l.replace(/\D+/g, '')) / 1024)]));
  const addrs = (many.addr ?? []).map((l) => /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(l)).filter((m): m is RegExpExecArray => !!m);
  const route = /via (\S+) dev (\S+).*? src (\S+)/.exec(one.route ?? '') ?? /dev (\S+).*? src (\S+)/.exec(one.route ?? '');
  const defaultIpv4: Facts = {};
  if (route) {
    const [gateway, iface, address] = route.length === 4 ? [route[1], route[2], route[3]] : [undefined, route[1], route[2]];
    Object.assign(defaultIpv4, { address, interface: iface, alias: iface, ...(gateway ? { gateway } : {}) });
  }
  const [y, mo, d, h, mi, s, tz, tzOffset, weekday, weekdayNumber, weeknumber, epoch, utc, micro] = (one.date ?? '').split('|');
  const lsbLines = Object.fromEntries((many.lsb ?? []).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
  const release = lsbLines.Release;
  const lsb = release ? { id: lsbLines['Distributor ID'], description: lsbLines.Description, release, codename: lsbLines.Codename, major_release: release.split('.')[0] } : {};
  const hostname = (one.nodename ?? '').split('.')[0];
  const fqdn = one.fqdn || one.nodename;
  return {
    hostname, fqdn, nodename: one.nodename, domain: fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : '',
    os_family: family, distribution: DISTRIBUTIONS[id] ?? (os.NAME ?? ''), distribution_release: os.VERSION_CODENAME ?? '',
    distribution_version: version, distribution_major_version: version.split('.')[0],
    distribution_file_variety: family === 'Debian' ? 'Debian' : family,
    architecture: one.machine, machine: one.machine, userspace_architecture: one.machine, kernel: one.kernel, system: one.system,
    processor_vcpus: vcpus, processor_count: sockets, processor_cores: cores, processor_threads_per_core: Math.max(1, Math.floor(siblings / cores)),
    memtotal_mb: mem.MemTotal, memfree_mb: mem.MemFree, swaptotal_mb: mem.SwapTotal,
    default_ipv4: defaultIpv4, all_ipv4_addresses: addrs.filter((m) => m[1] !== 'lo').map((m) => m[2].split('/')[0]),
    interfaces: (many.if ?? []).filter(Boolean),
    service_mgr: one.systemd ? 'systemd' : one.init === 'init' ? 'sysvinit' : (one.init || 'service'),
    pkg_mgr: one.pkg ?? 'unknown', user_id: one.user,
    env: Object.fromEntries(Buffer.from(one.env ?? '', 'base64').toString('utf8').split('\0').filter((e) => e.includes('='))
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    date_time: {
      date: `${y}-${mo}-${d}`, day: d, epoch, epoch_int: epoch, hour: h, minute: mi, month: mo, second: s, year: y,
      time: `${h}:${mi}:${s}`, tz, tz_dst: tz, tz_offset: tzOffset, weekday, weekday_number: weekdayNumber, weeknumber,
      iso8601: `${utc}Z`, iso8601_micro: `${utc}.${micro}Z`, iso8601_basic: `${y}${mo}${d}T${h}${mi}${s}${micro}`,
      iso8601_basic_short: `${y}${mo}${d}T${h}${mi}${s}`,
    },
    lsb,
  };
}

/** The gathered facts of a host: one fact of the batch. */
export const setupFact: FactDef<Facts> = { key: 'ansible_facts', script: SCRIPT, parse: (out) => parseFacts(out) };

/** Facts as a play's variables: ansible_facts (a copy) and each one as ansible_NAME. */
export function factVars(facts: Facts): Record<string, unknown> {
  return { ansible_facts: { ...facts }, ...Object.fromEntries(Object.entries(facts).map(([k, v]) => [`ansible_${k}`, v])) };
}

export { parseFacts };
