// apt's whole-system actions, planned from apt-get's own simulation (apt-get -s) so that --check lists exactly
// the packages an apply installs, upgrades and removes: `upgrade` (dist, full, yes, safe) and `autoremove`. And
// `deb`: a .deb file on the host, installed with its dependencies unless that version is there already; and
// state build-dep, simulated the same way.
import { type AptSimulation, FETCH_TO_FILE_PY, aptSimulationFact, debPackagesFact } from '../facts/debs.ts';
import type { Change, Effect, FactDef } from '../engine/module.ts';
import { DPKG_OPTIONS, ENV, INSTALL, LOCK, PACKAGE_SIDE_EFFECTS, type UpdateLimits, aptDiffRead, namesOf, nativeArch } from './apt-common.ts';
import { compareDebVersions } from './deb-version.ts';

/** What these plans read of apt's arguments. */
export type WholeArgs = {
  upgrade?: 'dist' | 'full' | 'yes' | 'safe' | 'no' | boolean;
  autoremove?: boolean;
  purge?: boolean;
  default_release?: string;
  force_apt_get?: boolean;
  allow_downgrade?: boolean;
  fail_on_autoremove?: boolean;
  install_recommends?: boolean;
  deb?: string;
};

/** upgrade as a word: YAML 1.1 reads `upgrade: yes` as true, which Ansible takes as "yes". */
export function upgradeMode(a: WholeArgs): 'dist' | 'full' | 'yes' | 'safe' | undefined {
  const u = a.upgrade === true ? 'yes' : a.upgrade === false ? 'no' : a.upgrade;
  return u === undefined || u === 'no' ? undefined : u;
}

/** The options Ansible passes to every such apt-get: release, downgrades, no removals, recommends. */
export function aptOptions(a: WholeArgs): string[] {
  return [
    ...(a.default_release ? ['-t', a.default_release] : []),
    ...(a.allow_downgrade ? ['--allow-downgrades'] : []),
    ...(a.fail_on_autoremove ? ['--no-remove'] : []),
    ...(a.install_recommends === false ? ['-o', 'APT::Install-Recommends=no'] : a.install_recommends === true ? ['-o', 'APT::Install-Recommends=yes'] : []),
  ];
}

/** apt-get's words for the upgrade (after `apt-get`): upgrade --with-new-pkgs, or dist-upgrade for dist and full. */
function upgradeWords(a: WholeArgs): string[] {
  const mode = upgradeMode(a)!;
  const op = mode === 'dist' || mode === 'full' ? ['dist-upgrade'] : ['upgrade', '--with-new-pkgs'];
  return [...op, ...(a.autoremove ? ['--auto-remove'] : []), ...aptOptions(a)];
}

const autoremoveWords = (a: WholeArgs): string[] => [...(a.purge ? ['--purge'] : []), 'autoremove'];

/** What apt-get would do for the upgrade, or for autoremove. */
export const upgradeSimulation = (a: WholeArgs): FactDef<AptSimulation> => aptSimulationFact(upgradeWords(a));
export const autoremoveSimulation = (a: WholeArgs): FactDef<AptSimulation> => aptSimulationFact(autoremoveWords(a));

/** The package list after a simulated run: versions of what it installs, without what it removes. */
function after(debs: Record<string, string>, sim: AptSimulation): Record<string, string> {
  const native = nativeArch(debs);
  const out = { ...debs };
  for (const name of sim.removes) for (const n of namesOf(native, name)) delete out[n];
  for (const [name, version] of Object.entries(sim.installs)) for (const n of namesOf(native, name)) out[n] = version;
  return out;
}

function simulated(a: WholeArgs & UpdateLimits, what: string, sim: AptSimulation | 'stale', words: string[], reported: boolean, debs: Record<string, string>): Change[] {
  const step = { exec: ['apt-get', '-y', '-q', ...LOCK, ...DPKG_OPTIONS, ...words], env: ENV };
  const diffRead = aptDiffRead(step.exec, sim === 'stale' ? a : undefined);
  if (sim === 'stale') {
    // The lists are updated first, in the same task: what they will offer is not known before.
    // It counts as Ansible counts it, by what it did: installed or upgraded anything (an upgrade), removed anything (autoremove).
    const differs = what === 'autoremove'
      ? (before: Record<string, string>, now: Record<string, string>) => Object.keys(before).some((n) => !(n in now))
      : (before: Record<string, string>, now: Record<string, string>) => Object.entries(now).some(([n, v]) => before[n] !== v);
    return [{
      summary: `apt-get ${what} (with the updated lists)`, steps: [step], diffRead, reportedIf: { fact: debPackagesFact(), differs },
      effects: [{ key: debPackagesFact().key, unknown: true }, ...PACKAGE_SIDE_EFFECTS],
    }];
  }
  if (sim.failed) throw new Error(`apt-get ${what} would fail: ${sim.failed}`);
  const installs = Object.entries(sim.installs).map(([n, v]) => `${n} ${v}${debs[n] ? ` (was ${debs[n]})` : ''}`);
  if (!installs.length && !sim.removes.length) return [];
  const parts = [installs.length ? `install ${installs.join(', ')}` : '', sim.removes.length ? `remove ${sim.removes.join(', ')}` : ''];
  return [{
    summary: `apt-get ${what}: ${parts.filter(Boolean).join('; ')}`,
    steps: [step],
    diffRead,
    effects: [{ key: debPackagesFact().key, value: after(debs, sim) }, ...PACKAGE_SIDE_EFFECTS],
    // Ansible's changed: apt-get's output lacks "0 upgraded, 0 newly installed" (an upgrade that only removes is not a change).
    ...(reported ? {} : { unreported: true }),
  }];
}

/**
 * upgrade: as Ansible's, by apt-get (aptitude, which Ansible prefers for yes, safe and full when the host has it,
 * is refused there unless force_apt_get); the module ends after it (a `name` beside it is not installed, as in Ansible).
 */
export function planUpgrade(a: WholeArgs & UpdateLimits, debs: Record<string, string>, sim: AptSimulation, stale: boolean): Change[] {
  const mode = upgradeMode(a)!;
  if (sim.aptitude && mode !== 'dist' && !a.force_apt_get) {
    throw new Error(`upgrade: ${mode} on a host with aptitude: Ansible would run aptitude, which provision does not; set force_apt_get: true for apt-get's ${mode === 'full' ? 'dist-upgrade' : 'upgrade --with-new-pkgs'}`);
  }
  return simulated(a, mode === 'dist' || mode === 'full' ? 'dist-upgrade' : 'upgrade', stale ? 'stale' : sim, upgradeWords(a), Object.keys(sim.installs).length > 0, debs);
}

/** autoremove without packages: apt-get autoremove (with purge: --purge), changed when it removes any. */
export function planAutoremove(a: WholeArgs & UpdateLimits, debs: Record<string, string>, sim: AptSimulation, stale: boolean): Change[] {
  return simulated(a, 'autoremove', stale ? 'stale' : sim, autoremoveWords(a), true, debs);
}

/**
 * build-dep: what the named source packages need to build, as Ansible's: apt-get build-dep with the task's options
 * (not --auto-remove), run whatever is installed; changed when it installs or upgrades anything (Ansible's: its
 * output lacks "0 upgraded, 0 newly installed"); the packages are not marked as installed by hand.
 */
const buildDepWords = (a: WholeArgs, packages: string[]): string[] => ['build-dep', ...aptOptions(a), ...packages];
export const buildDepSimulation = (a: WholeArgs, packages: string[]): FactDef<AptSimulation> => aptSimulationFact(buildDepWords(a, packages));
export function planBuildDep(a: WholeArgs & UpdateLimits, debs: Record<string, string>, sim: AptSimulation, packages: string[], stale: boolean): Change[] {
  return simulated(a, 'build-dep', stale ? 'stale' : sim, buildDepWords(a, packages), Object.keys(sim.installs).length > 0, debs);
}

/**
 * fixed: apt-get install --fix-broken of the named packages, as Ansible's state fixed (present, with that option):
 * simulated with every name (planned from it when none is installed), so --check tells what mending the host
 * installs and removes, or that apt-get refuses ("Unmet dependencies": the names are not what would mend it).
 */
export const fixWords = (a: WholeArgs, packages: string[]): string[] => ['install', '--fix-broken', ...(a.autoremove ? ['--auto-remove'] : []), ...aptOptions(a), ...packages];
export const fixSimulation = (a: WholeArgs, packages: string[]): FactDef<AptSimulation> => aptSimulationFact(fixWords(a, packages));
export function planFixed(a: WholeArgs & UpdateLimits, debs: Record<string, string>, sim: AptSimulation, packages: string[], stale: boolean): Change[] {
  return simulated(a, 'install --fix-broken', stale ? 'stale' : sim, fixWords(a, packages), true, debs);
}

/** `sh -c` of this, then the downloader, the URL and apt-get's words: the file is fetched and given to apt-get last. */
const FROM_URL = 'set -e; py=$1; url=$2; shift 2; t=$(mktemp --suffix=.deb); trap \'rm -f "$t"\' EXIT; python3 -c "$py" "$url" "$t"; "$@" "$t"';

/**
 * deb: a package file on the host, installed by apt-get with what it depends on, unless the package is there at
 * that version (Ansible's install_deb); an older one than installed needs allow_downgrade, as in Ansible.
 */
export function planDeb(a: WholeArgs & UpdateLimits, debs: Record<string, string>, file: { failed?: string; Package?: string; Version?: string; Architecture?: string }, updating = false): Change[] {
  const path = a.deb!;
  if (file.failed || !file.Package || !file.Version) throw new Error(`deb ${path}: ${file.failed ?? 'not a package file'}`);
  const native = nativeArch(debs);
  const name = file.Architecture && file.Architecture !== 'all' && file.Architecture !== native ? `${file.Package}:${file.Architecture}` : file.Package;
  const installed = debs[name];
  if (installed !== undefined && compareDebVersions(installed, file.Version) === 0) return [];
  if (installed !== undefined && compareDebVersions(file.Version, installed) < 0 && !a.allow_downgrade) {
    throw new Error(`deb ${path}: a later version is already installed (${name} ${installed}, the file has ${file.Version}); allow_downgrade: true installs it`);
  }
  const out = { ...debs };
  for (const n of namesOf(native, name)) out[n] = file.Version;
  const effects: Effect[] = [{ key: debPackagesFact().key, value: out }, ...PACKAGE_SIDE_EFFECTS];
  const install = [...INSTALL, ...aptOptions(a)];
  // A URL: downloaded by the host to a temporary .deb (removed after), then installed (or simulated) from there.
  const fromUrl = (argv: string[]) => (/^https?:\/\//.test(path) ? ['sh', '-c', FROM_URL, 'apt-deb', FETCH_TO_FILE_PY, path, ...argv] : [...argv, path]);
  return [{
    summary: `install ${name} ${file.Version} from ${path}${installed ? ` (was ${installed})` : ''}`,
    steps: [{ exec: fromUrl(install), env: ENV }],
    // --diff: apt-get's lines for the file and what it depends on (Ansible's shows dpkg's own output after its
    // dependencies' lines: provision installs the file with apt-get, README says so).
    diffRead: aptDiffRead(install, updating ? a : undefined, fromUrl),
    effects,
  }];
}
