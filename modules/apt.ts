// apt: Debian packages present (optionally at a pinned version), at apt's candidate version, or absent.
import { aptCandidatesFact, aptListsAgeFact, debPackagesFact } from '../facts/debs.ts';
import { type Change, type Effect, defineModule } from '../engine/module.ts';

export type AptArgs = {
  name?: string | string[];
  state?: 'present' | 'absent' | 'latest';
  update_cache?: boolean;
  cache_valid_time?: number;
  update_cache_retries?: number;
  update_cache_retry_max_delay?: number;
  update_cache_timeout?: number;
  /** apt-get -t: the release packages are installed from (its candidates are read as apt would pick them); "" is none. */
  default_release?: string;
};

/**
 * Debian policy 5.6.1/5.6.12: a name of at least two of [a-z0-9+.-], starting alphanumeric; apt's optional
 * ":architecture" and "=version" (digits first, an optional epoch "N:", then [A-Za-z0-9.+~:-]). Nothing else
 * reaches apt-get's command line: no spaces, no shell characters, nothing it could read as an option.
 */
const pkgSchema = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9+.-]+(:[a-z0-9][a-z0-9-]*)?(=[0-9][A-Za-z0-9.+~:-]*)?$',
  description: 'a Debian package name, optionally with ":architecture" and "=version" (like nginx, libc6:amd64 or nginx=1.22.1-9)',
} as const;

const ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/**
 * The host's native architecture, read off the installed packages: the facts list each native (or "all")
 * package both as name and name:NATIVE, so it is the architecture every bare name has a twin in.
 */
export function nativeArch(debs: Record<string, string>): string | undefined {
  const bare = Object.keys(debs).filter((n) => !n.includes(':'));
  const arches = new Set(Object.keys(debs).filter((n) => n.includes(':')).map((n) => n.split(':')[1]));
  return bare.length ? [...arches].find((a) => bare.every((n) => `${n}:${a}` in debs)) : undefined;
}

/** The names one package goes by in the facts: libc6 and libc6:NATIVE for the native one, libc6:i386 alone. */
export function namesOf(native: string | undefined, name: string): string[] {
  const [base, arch] = name.split(':');
  if (!native) return [name];
  return arch === undefined || arch === native ? [base, `${base}:${native}`] : [name];
}
// Wait for dpkg's lock (apt-daily, unattended-upgrades or cloud-init may hold it on a fresh droplet) instead of failing.
const LOCK = ['-o', 'DPkg::Lock::Timeout=300'];
const INSTALL = ['apt-get', 'install', '-y', '-q', ...LOCK, '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

/**
 * What installing or removing packages may change besides the package list: services, system users and
 * groups, files under the system's directories, and what other modules read of the host (a firewall ufw
 * brings, a node or npm on PATH, meteor, the app's units). Check mode reads them as unknown afterwards.
 */
const PACKAGE_SIDE_EFFECTS: Effect[] = [
  ...['service:', 'user:', 'group:', 'git-rev:', 'firewall:', 'node:', 'npm:', 'meteor', 'app:'].map((prefix) => ({ prefix, unknown: true as const })),
  ...['/etc/', '/usr/', '/var/', '/lib/', '/opt/'].flatMap((dir) => [
    { prefix: `file:${dir}`, unknown: true as const }, { prefix: `content:${dir}`, unknown: true as const }]),
];

type Want = { name: string; version?: string };

/** The requested packages, each once; a package asked for at two versions is an error. */
function wanted(a: AptArgs): Want[] {
  const list = a.name === undefined ? [] : Array.isArray(a.name) ? a.name : [a.name];
  const byName = new Map<string, Want>();
  for (const item of list) {
    const [name, version] = item.split('='); // name: as apt takes it, libc6 or libc6:i386
    const seen = byName.get(name);
    if (seen && seen.version !== version) throw new Error(`package "${name}" is asked for twice, at different versions`);
    byName.set(name, { name, version });
  }
  return [...byName.values()];
}

const names = (ws: Want[]) => ws.map((w) => w.name);

/**
 * `apt-get update`, each attempt cut off after $1 seconds (0: never), retried $2 times after a failure,
 * waiting 1, 2, 4 ... seconds, at most $3, in between: Ansible's update_cache_retries, plus a time limit,
 * since an update behind a faulty proxy can wait forever. Constant text: the numbers are arguments.
 */
const UPDATE_RETRYING = [
  't=$1 retries=$2 max=$3 n=0 d=1',
  'shift 3',
  'while :; do',
  '  if [ "$t" -gt 0 ]; then timeout -k 10 "$t" "$@"; else "$@"; fi',
  '  rc=$?',
  '  [ $rc -eq 0 ] && exit 0',
  '  [ $rc -eq 124 ] && echo "apt-get update: not done within $t s" >&2',
  '  [ $n -ge "$retries" ] && exit $rc',
  '  n=$((n + 1)); [ $d -gt "$max" ] && d=$max',
  '  echo "apt-get update failed (exit $rc): retry $n of $retries in $d s" >&2',
  '  sleep $d; d=$((d * 2))',
  'done',
].join('\n');

export function updateStep(a: AptArgs): string[] {
  const limits = [a.update_cache_timeout ?? 600, a.update_cache_retries ?? 5, a.update_cache_retry_max_delay ?? 12].map(String);
  return ['sh', '-c', UPDATE_RETRYING, 'apt-update', ...limits, 'apt-get', 'update', '-q', ...LOCK];
}

export default defineModule<AptArgs>({
  name: 'apt',
  fqcn: ['ansible.builtin.apt', 'ansible.legacy.apt'],
  aliases: { pkg: 'name', package: 'name', 'update-cache': 'update_cache', 'default-release': 'default_release' },
  description: 'Install, upgrade or remove Debian packages with apt-get; optionally update the package lists first.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: {
        if: { type: 'string' },
        then: pkgSchema,
        else: { type: 'array', items: pkgSchema, minItems: 1, description: 'a package name or a list of package names' },
      },
      state: { enum: ['present', 'absent', 'latest'], default: 'present' },
      update_cache: { type: 'boolean' },
      cache_valid_time: { type: 'integer', minimum: 0, default: 0, description: 'a whole number of seconds' },
      update_cache_retries: { type: 'integer', minimum: 0, maximum: 100, default: 5, description: 'how many times a failed apt-get update is tried again' },
      update_cache_retry_max_delay: { type: 'integer', minimum: 0, maximum: 3600, default: 12, description: 'the longest wait between tries, in seconds (they start at 1 s and double)' },
      update_cache_timeout: { type: 'integer', minimum: 0, default: 600, description: 'seconds after which one apt-get update is stopped and counts as failed; 0: no limit' },
      default_release: { type: 'string', pattern: '^([A-Za-z0-9][A-Za-z0-9._/+~-]*)?$', description: 'a release name like bookworm-backports (apt-get -t), or "" for none' },
    },
    // `name` may be left out only to update the lists.
    if: { required: ['update_cache'], properties: { update_cache: { const: true } } },
    else: { required: ['name'] },
  },
  facts(a) {
    const ws = wanted(a);
    return [
      debPackagesFact(),
      ...(ws.length && a.state !== 'absent' ? [aptCandidatesFact(names(ws), { lazy: true, release: a.default_release })] : []),
      ...(a.update_cache ? [aptListsAgeFact()] : []),
    ];
  },
  plan(a, facts) {
    const state = a.state ?? 'present';
    const ws = wanted(a);
    const debs = facts.get(debPackagesFact());
    const native = nativeArch(debs);
    const changes: Change[] = [];
    for (const w of ws) {
      if (w.version !== undefined && state !== 'present') throw new Error(`"${w.name}=${w.version}": a pinned version needs state: present (not ${state})`);
    }

    // (a) the package lists
    let updating = false;
    let listsAge = 0;
    if (a.update_cache) {
      const validFor = a.cache_valid_time ?? 0;
      listsAge = facts.get(aptListsAgeFact());
      if (validFor === 0 || listsAge > validFor) {
        updating = true;
        // Every package's candidate may change, not only this task's.
        const effects: Effect[] = [{ key: aptListsAgeFact().key, value: 0 }, { prefix: 'apt-candidates:', unknown: true }];
        changes.push({ summary: 'apt-get update', steps: [{ exec: updateStep(a), env: ENV }], effects });
      }
    }
    if (!ws.length) return changes;

    // (d) absent
    if (state === 'absent') {
      const gone = ws.filter((w) => w.name in debs).map((w) => w.name);
      if (gone.length) {
        // A native package goes by both its names (the facts list it as name and name:NATIVE).
        const drop = new Set(gone.flatMap((g) => namesOf(native, g)));
        const after = Object.fromEntries(Object.entries(debs).filter(([n]) => !drop.has(n)));
        changes.push({
          summary: `remove ${gone.join(', ')}`,
          steps: [{ exec: ['apt-get', 'remove', '-y', '-q', ...LOCK, ...gone], env: ENV }],
          effects: [{ key: debPackagesFact().key, value: after }, ...PACKAGE_SIDE_EFFECTS],
        });
      }
      return changes;
    }

    // (b) present, (c) latest: one apt-get install for every package to install or upgrade
    // Candidates cost apt-cache a parse of every list: read only when a package is missing or may be upgraded.
    let known: Record<string, string | undefined> | undefined;
    const candidateOf = (name: string) => (known ??= facts.get(aptCandidatesFact(names(ws), { lazy: true, release: a.default_release })))[name];
    const installs: string[] = [];
    const upgrades: string[] = [];
    const argv: string[] = [];
    const after: Record<string, string> = { ...debs };
    let versionsKnown = true;
    let downgrade = false;
    for (const w of ws) {
      const installed = debs[w.name];
      if (w.version !== undefined ? installed === w.version : installed !== undefined && state === 'present') continue;
      const candidate = updating ? undefined : candidateOf(w.name);
      let target: string | undefined;
      if (w.version !== undefined) {
        target = w.version;
        downgrade ||= installed !== undefined;
      } else if (installed === undefined) {
        target = candidate;
      } else if (state === 'latest' && updating) {
        target = undefined; // the candidate after the update is not known: apt-get upgrades only to a newer one
      } else if (state === 'latest' && candidate !== undefined && installed !== candidate) {
        target = candidate;
      } else {
        continue;
      }
      if (!updating && candidate === undefined) {
        const hint = a.update_cache ? `updated ${listsAge} s ago, within cache_valid_time` : 'run with update_cache: true?';
        throw new Error(`no package "${w.name}" in apt's lists (${hint})`);
      }
      const label = target === undefined ? w.name : `${w.name} ${target}`;
      if (installed === undefined) installs.push(label);
      else if (w.version !== undefined) installs.push(`${label} (was ${installed})`);
      else upgrades.push(target === undefined ? `${w.name} (if a newer version is listed)` : `${label} (was ${installed})`);
      argv.push(w.version !== undefined ? `${w.name}=${w.version}` : w.name);
      if (target === undefined) versionsKnown = false;
      else for (const n of namesOf(native, w.name)) after[n] = target;
    }
    if (!argv.length) return changes;
    const parts = [installs.length ? `install ${installs.join(', ')}` : '', upgrades.length ? `upgrade ${upgrades.join(', ')}` : ''];
    changes.push({
      summary: parts.filter(Boolean).join('; '),
      steps: [{ exec: [...INSTALL, ...(a.default_release ? ['-t', a.default_release] : []), ...(downgrade ? ['--allow-downgrades'] : []), ...argv], env: ENV }],
      effects: [versionsKnown ? { key: debPackagesFact().key, value: after } : { key: debPackagesFact().key, unknown: true }, ...PACKAGE_SIDE_EFFECTS],
    });
    return changes;
  },
  sideEffects: (a) => (a.state === 'absent' || wanted(a).length ? PACKAGE_SIDE_EFFECTS : []),
  // With cache_valid_time 0 the lists are updated on every run: planning again never comes back empty.
  verifiable: (a) => !(a.update_cache && !a.cache_valid_time),
});
