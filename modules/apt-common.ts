// What apt's planners share (apt, apt's upgrade, autoremove and .deb installs, apt_repository's update): the
// environment and options of apt-get, the side effects of a package change, the host's native architecture,
// and the retrying apt-get update.
import type { Effect } from '../engine/module.ts';

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
