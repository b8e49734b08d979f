// apt: Debian packages present (optionally at a pinned version), at apt's candidate version, or absent (purged);
// fixed (present, with --fix-broken); or the whole system upgraded, autoremoved, a .deb file installed, the build
// dependencies of source packages installed (modules/apt-upgrade.ts).
import { aptAutoFact, aptCandidatesFact, aptListsAgeFact, aptListsStampFact, debConfigOnlyFact, debFileFact, debPackagesFact } from '../facts/debs.ts';
import { type Change, type Effect, defineModule } from '../engine/module.ts';
import { ENV, INSTALL, LOCK, PACKAGE_SIDE_EFFECTS, aptDiffRead, namesOf, nativeArch, updateStep } from './apt-common.ts';
import { type WholeArgs, aptOptions, autoremoveSimulation, buildDepSimulation, fixSimulation, planAutoremove, planBuildDep, planDeb, planFixed, planUpgrade, upgradeMode, upgradeSimulation } from './apt-upgrade.ts';
import { compareDebVersions } from './deb-version.ts';

export { updateStep } from './apt-common.ts';

export type AptArgs = WholeArgs & {
  name?: string | string[];
  state?: 'present' | 'absent' | 'latest' | 'build-dep' | 'fixed';
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
/** A package as apt-get's word: NAME or NAME=VERSION. */
const word = (w: Want) => (w.version !== undefined ? `${w.name}=${w.version}` : w.name);
const argvOf = (ws: Want[]) => ws.map(word);

/** The lists are to be updated and nothing else done. */
const updateAlone = (a: AptArgs) => !wanted(a).length && !upgradeMode(a) && !a.deb && !a.autoremove;

export default defineModule<AptArgs>({
  name: 'apt',
  fqcn: ['ansible.builtin.apt', 'ansible.legacy.apt'],
  aliases: { pkg: 'name', package: 'name', 'update-cache': 'update_cache', 'default-release': 'default_release', 'install-recommends': 'install_recommends',
    'allow-downgrade': 'allow_downgrade', allow_downgrades: 'allow_downgrade', 'allow-downgrades': 'allow_downgrade' },
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
      state: { enum: ['present', 'absent', 'latest', 'build-dep', 'fixed'], default: 'present', description: 'present, absent, latest; build-dep: what the named source packages need to build; fixed: present, with apt-get --fix-broken' },
      update_cache: { type: 'boolean' },
      cache_valid_time: { type: 'integer', minimum: 0, default: 0, description: 'a whole number of seconds' },
      update_cache_retries: { type: 'integer', minimum: 0, maximum: 100, default: 5, description: 'how many times a failed apt-get update is tried again' },
      update_cache_retry_max_delay: { type: 'integer', minimum: 0, maximum: 3600, default: 12, description: 'the longest wait between tries, in seconds (they start at 1 s and double)' },
      update_cache_timeout: { type: 'integer', minimum: 0, default: 600, description: 'seconds after which one apt-get update is stopped and counts as failed; 0: no limit' },
      default_release: { type: 'string', pattern: '^([A-Za-z0-9][A-Za-z0-9._/+~-]*)?$', description: 'a release name like bookworm-backports (apt-get -t), or "" for none' },
      upgrade: { enum: ['dist', 'full', 'yes', 'safe', 'no', true, false], default: 'no', description: 'dist or full (apt-get dist-upgrade), yes or safe (apt-get upgrade --with-new-pkgs); the module does nothing else then, as in Ansible' },
      autoremove: { type: 'boolean', default: false, description: 'remove packages no longer needed (alone, or with the packages named)' },
      purge: { type: 'boolean', default: false, description: 'remove configuration files too (state: absent, autoremove)' },
      install_recommends: { type: 'boolean', description: 'install recommended packages too (left out: as apt is set)' },
      allow_downgrade: { type: 'boolean', default: false, description: 'let a pinned version or a deb be older than the one installed' },
      fail_on_autoremove: { type: 'boolean', default: false, description: 'fail rather than remove packages (apt-get --no-remove)' },
      force_apt_get: { type: 'boolean', default: false, description: 'upgrade with apt-get even where aptitude is installed' },
      deb: { type: 'string', pattern: '^(/[^,]*|https?://[^\\s,]+)$', description: 'the absolute path of a .deb file on the host, or an http(s) URL the host downloads it from (one file)' },
    },
    // Ansible's required_one_of: something to do. `name` is left out to update the lists, upgrade, autoremove or install a deb.
    anyOf: [{ required: ['name'] }, { required: ['update_cache'] }, { required: ['upgrade'] }, { required: ['autoremove'] }, { required: ['deb'] }],
  },
  facts(a) {
    const ws = wanted(a);
    const state = a.state ?? 'present';
    const lists = a.update_cache ? [aptListsAgeFact(), ...(updateAlone(a) ? [aptListsStampFact()] : [])] : [];
    if (upgradeMode(a)) return [debPackagesFact(), upgradeSimulation(a), ...lists];
    if (a.deb) return [debPackagesFact(), debFileFact(a.deb), ...lists];
    if (!ws.length && a.autoremove) return [debPackagesFact(), autoremoveSimulation(a), ...lists];
    if (ws.length && state === 'build-dep') return [debPackagesFact(), buildDepSimulation(a, argvOf(ws)), ...lists];
    return [
      debPackagesFact(),
      ...(ws.length && state !== 'absent' ? [aptCandidatesFact(names(ws), { lazy: true, release: a.default_release }), aptAutoFact(names(ws))] : []),
      ...(ws.length && state === 'absent' && a.purge ? [debConfigOnlyFact(names(ws))] : []),
      ...(ws.length && state === 'fixed' ? [fixSimulation(a, argvOf(ws))] : []),
      ...lists,
    ];
  },
  plan(a, facts) {
    const state = a.state ?? 'present';
    const ws = wanted(a);
    const debs = facts.get(debPackagesFact());
    const native = nativeArch(debs);
    const changes: Change[] = [];
    for (const w of ws) {
      if (w.version !== undefined && !['present', 'fixed', 'build-dep'].includes(state)) throw new Error(`"${w.name}=${w.version}": a pinned version needs state: present (not ${state})`);
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
        const effects: Effect[] = [{ key: aptListsAgeFact().key, value: 0 }, { prefix: 'apt-candidates:', unknown: true }, { prefix: 'apt-simulate:', unknown: true }];
        // Alone, it is a change when the lists' time stamp moved (in --check: always), as Ansible's apt says; with
        // something else to do, Ansible's changed is that work's alone: the update is never counted.
        const counts = updateAlone(a) ? { reportedIf: { fact: aptListsStampFact() } } : { unreported: true };
        changes.push({ summary: 'apt-get update', steps: [{ exec: updateStep(a), env: ENV }], effects, ...counts });
      }
    }
    // Ansible's order: an upgrade, then a deb, end the module; autoremove alone runs where no package is named.
    if (upgradeMode(a)) return [...changes, ...planUpgrade(a, debs, facts.get(upgradeSimulation(a)), updating)];
    if (a.deb) {
      if (state !== 'present') throw new Error(`deb: only state: present (not ${state}), as in Ansible`);
      return [...changes, ...planDeb(a, debs, facts.get(debFileFact(a.deb)), updating)];
    }
    if (!ws.length && a.autoremove) return [...changes, ...planAutoremove(a, debs, facts.get(autoremoveSimulation(a)), updating)];
    if (!ws.length) return changes;
    if (state === 'build-dep') return [...changes, ...planBuildDep(a, debs, facts.get(buildDepSimulation(a, argvOf(ws))), argvOf(ws), updating)];

    // (d) absent (with purge: also what only left its configuration files)
    if (state === 'absent') {
      const configOnly = a.purge ? facts.get(debConfigOnlyFact(names(ws))) : [];
      const gone = ws.filter((w) => w.name in debs || configOnly.includes(w.name)).map((w) => w.name);
      if (gone.length) {
        // A native package goes by both its names (the facts list it as name and name:NATIVE).
        const drop = new Set(gone.flatMap((g) => namesOf(native, g)));
        const after = Object.fromEntries(Object.entries(debs).filter(([n]) => !drop.has(n)));
        const remove = ['apt-get', 'remove', '-y', '-q', ...LOCK, ...(a.purge ? ['--purge'] : []), ...(a.autoremove ? ['--auto-remove'] : []), ...gone];
        changes.push({
          summary: `${a.purge ? 'purge' : 'remove'} ${gone.join(', ')}${a.autoremove ? ' and what no longer needed' : ''}`,
          steps: [{ exec: remove, env: ENV }],
          diffRead: aptDiffRead(remove),
          effects: [
            a.autoremove ? { key: debPackagesFact().key, unknown: true } : { key: debPackagesFact().key, value: after },
            ...(a.purge ? [{ key: debConfigOnlyFact(names(ws)).key, value: [] }] : []), ...PACKAGE_SIDE_EFFECTS],
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
    let versionsKnown = !a.autoremove;
    for (const w of ws) {
      const installed = debs[w.name];
      if (w.version !== undefined ? installed === w.version : installed !== undefined && state !== 'latest') continue;
      const candidate = updating ? undefined : candidateOf(w.name);
      let target: string | undefined;
      if (w.version !== undefined) {
        target = w.version;
        if (installed !== undefined && compareDebVersions(w.version, installed) < 0 && !a.allow_downgrade) {
          // apt-get's own refusal, which Ansible reports.
          throw new Error(`"${w.name}=${w.version}" is older than the installed ${installed}: Packages were downgraded and -y was used without --allow-downgrades (set allow_downgrade: true)`);
        }
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
      argv.push(word(w));
      if (target === undefined) versionsKnown = false;
      else for (const n of namesOf(native, w.name)) after[n] = target;
    }
    if (state === 'fixed' && argv.length === ws.length) {
      // None of them is there: apt-get's simulation with them all is what the run does.
      changes.push(...planFixed(a, debs, facts.get(fixSimulation(a, argvOf(ws))), argv, updating));
    } else if (argv.length) {
      const parts = [installs.length ? `install ${installs.join(', ')}` : '', upgrades.length ? `upgrade ${upgrades.join(', ')}` : ''];
      const install = [...INSTALL, ...(state === 'fixed' ? ['--fix-broken'] : []), ...(a.autoremove ? ['--auto-remove'] : []), ...aptOptions(a), ...argv];
      changes.push({
        summary: parts.filter(Boolean).join('; '),
        steps: [{ exec: install, env: ENV }],
        diffRead: aptDiffRead(install, updating ? a : undefined),
        // fixed: apt-get --fix-broken may install, upgrade or remove any package to mend what is broken.
        effects: [versionsKnown && state !== 'fixed' ? { key: debPackagesFact().key, value: after } : { key: debPackagesFact().key, unknown: true }, ...PACKAGE_SIDE_EFFECTS],
      });
    }
    // Ansible marks every package it was asked for as installed by hand (apt-mark manual), which is not a change.
    const auto = facts.get(aptAutoFact(names(ws))).filter((n) => n in debs);
    if (auto.length) {
      changes.push({ summary: `mark ${auto.join(', ')} as installed by hand`, steps: [{ exec: ['apt-mark', 'manual', ...auto] }], effects: [{ key: aptAutoFact(names(ws)).key, value: [] }], unreported: true });
    }
    return changes;
  },
  sideEffects: (a) => (a.state === 'absent' || wanted(a).length || upgradeMode(a) || a.deb || a.autoremove ? PACKAGE_SIDE_EFFECTS : []),
  // With cache_valid_time 0 the lists are updated on every run: planning again never comes back empty.
  verifiable: (a) => !(a.update_cache && !a.cache_valid_time),
});
