// What apt's planners share (apt, apt's upgrade, autoremove and .deb installs, apt_repository's update): the
// environment and options of apt-get, the side effects of a package change, the host's native architecture,
// and the retrying apt-get update.
import type { Change, Effect, FileDiff, Step } from '../engine/module.ts';

export const ENV = { DEBIAN_FRONTEND: 'noninteractive' };

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
export const LOCK = ['-o', 'DPkg::Lock::Timeout=300'];
/** A changed configuration file keeps the local version, asking nothing (Ansible's default dpkg_options). */
export const DPKG_OPTIONS = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
export const INSTALL = ['apt-get', 'install', '-y', '-q', ...LOCK, ...DPKG_OPTIONS];

/**
 * What installing or removing packages may change besides the package list: services, system users and
 * groups, files under the system's directories, and what other modules read of the host (a firewall ufw
 * brings, a node or npm on PATH, meteor, the app's units). Check mode reads them as unknown afterwards.
 */
export const PACKAGE_SIDE_EFFECTS: Effect[] = [
  ...['service:', 'user:', 'group:', 'git-rev:', 'firewall:', 'node:', 'npm:', 'meteor', 'app:'].map((prefix) => ({ prefix, unknown: true as const })),
  // What apt-get would do next, what is marked automatic, what left only its configuration files.
  ...['apt-simulate:', 'apt-auto:', 'deb-config-only:'].map((prefix) => ({ prefix, unknown: true as const })),
  // A checkout read with git, which a package may bring or take away.
  ...['git:', 'git-remote:'].map((prefix) => ({ prefix, unknown: true as const })),
  ...['/etc/', '/usr/', '/var/', '/lib/', '/opt/'].flatMap((dir) => [
    { prefix: `file:${dir}`, unknown: true as const }, { prefix: `content:${dir}`, unknown: true as const }]),
];

/** apt's update_cache_timeout, update_cache_retries and update_cache_retry_max_delay. */
export type UpdateLimits = { update_cache_timeout?: number; update_cache_retries?: number; update_cache_retry_max_delay?: number };

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

export function updateStep(a: UpdateLimits): string[] {
  const limits = [a.update_cache_timeout ?? 600, a.update_cache_retries ?? 5, a.update_cache_retry_max_delay ?? 12].map(String);
  return ['sh', '-c', UPDATE_RETRYING, 'apt-update', ...limits, 'apt-get', 'update', '-q', ...LOCK];
}

/**
 * apt's --diff, as Ansible's parse_diff cuts it from apt-get's output: the lines after "Resolving dependencies..."
 * (else "Reading state information...") up to the "N upgraded, ..." line, shown as Ansible's 'prepared' text.
 */
export function aptDiffText(out: string): string {
  const lines = out.replace(/\n$/, '').split('\n');
  let start = lines.indexOf('Resolving dependencies...');
  if (start < 0) start = lines.indexOf('Reading state information...');
  let end = lines.findIndex((l) => /^[0-9]+ (packages )?upgraded/.test(l));
  if (end < 0) end = lines.length;
  return lines.slice(start + 1, end + 1).join('\n');
}

/**
 * The diff of an apt-get run, read under --diff before it runs: the same apt-get words simulated (-s: nothing
 * changes, in check mode too, as Ansible's check mode passes --simulate). `updating`: the task updates the lists
 * first, so the real run's simulation follows that update (the lists Ansible's apt-get then reads); check mode's
 * reads the lists as they are, as Ansible's check mode does not update them. `runner`: the command that runs the
 * simulation (a deb's download, its file's path put last).
 */
export function aptDiffRead(argv: string[], updating?: UpdateLimits, runner: (simulation: string[]) => string[] = (s) => s): NonNullable<Change['diffRead']> {
  if (argv[0] !== 'apt-get') throw new Error(`not an apt-get command: ${argv[0]}`);
  const env = { ...ENV, LC_ALL: 'C' };
  const simulate: Step = { exec: runner(['apt-get', '-s', ...argv.slice(1)]), env };
  const show = (stdout: string): FileDiff => ({ path: 'apt', before: null, after: null, prepared: aptDiffText(stdout) });
  if (!updating) return { path: 'apt', when: 'before', inCheck: true, step: simulate, show };
  // The update (updateStep's retrying script and limits, its output left out), then the simulation: both argv, no shell text built.
  const update = updateStep(updating);
  const wrap = `s=$1 t=$2 r=$3 m=$4; shift 4; sh -c "$s" apt-update "$t" "$r" "$m" ${update.slice(7).join(' ')} >/dev/null || exit; exec "$@"`;
  const step: Step = { exec: ['sh', '-c', wrap, 'apt-diff', update[2], ...update.slice(4, 7), ...simulate.exec], env };
  return { path: 'apt', when: 'before', inCheck: true, checkStep: simulate, step, show };
}
