// pip: Python packages in a virtualenv (made first, with virtualenv_command, when it has no bin/activate), as
// Ansible's pip runs pip (pip-args.ts). Whether pip would change anything is asked of pip itself on the host:
// `pip install --dry-run` for present/latest (what Ansible reads as "Successfully installed"), the installed list
// for absent. Debian 12's own Python is externally managed (PEP 668): without virtualenv (or executable), refused.
import { createHash } from 'node:crypto';
import { type Change, type Effect, type FactDef, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { ancestors, fileFact } from '../../facts/files.ts';
import { STATE_ARGS, type PipArgs, canonicalName, pipWords, packages, requirementName, venvCommand, venvPath, workDir } from './pip-args.ts';

type Venv = { activate: boolean; pip?: string };
type PipRun = { rc: number; out: string };

/** Whether a virtualenv is there (bin/activate, as Ansible tests it) and its pip (bin/pip3, else bin/pip). */
function venvFact(env: string): FactDef<Venv> {
  const bin = (b: string) => shq(`${env}/bin/${b}`);
  return {
    key: `pip:${env}:venv`,
    script: `[ -e ${bin('activate')} ] && echo activate; if [ -f ${bin('pip3')} ] && [ -x ${bin('pip3')} ]; then echo ${bin('pip3')};`
      + ` elif [ -f ${bin('pip')} ] && [ -x ${bin('pip')} ]; then echo ${bin('pip')}; fi; true`,
    parse: (out) => {
      const lines = out.split('\n').filter(Boolean);
      return { activate: lines.includes('activate'), pip: lines.find((l) => l !== 'activate') };
    },
  };
}

/** Where a program is on the host's PATH (and the sbin directories, as Ansible's get_bin_path looks). */
function programFact(name: string): FactDef<string | undefined> {
  return {
    key: `program:${name}`,
    script: `PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v ${shq(name)} || true`,
    parse: (out) => out.trim() || undefined,
    readOnly: true,
  };
}

const runParse = (out: string): PipRun => {
  const m = /\n?@rc (\d+)\n?$/.exec(out);
  return { rc: m ? Number(m[1]) : 1, out: m ? out.slice(0, m.index) : out };
};
const QUIET = 'PIP_DISABLE_PIP_VERSION_CHECK=1 LC_ALL=C.UTF-8';

/** Sets $p to the pip the task runs: the virtualenv's bin/pip3 or bin/pip (as venvFact finds it), or executable. */
const choosePip = (env: string | undefined, executable: string | undefined) => (env
  ? `p=; for c in ${shq(`${env}/bin/pip3`)} ${shq(`${env}/bin/pip`)}; do if [ -f "$c" ] && [ -x "$c" ]; then p=$c; break; fi; done; [ -n "$p" ] || { echo "@rc 127"; exit 0; };`
  : `p=${shq(executable!)};`);

/** What pip would do: `pip install --dry-run` with the task's words, in chdir (read only when the plan asks). */
function dryRunFact(a: PipArgs, words: string[]): FactDef<PipRun> {
  const env = venvPath(a);
  const base = env ?? a.executable!;
  return {
    key: `pip:${base}:dry:${createHash('sha256').update(JSON.stringify([workDir(a), words])).digest('hex').slice(0, 24)}`,
    lazy: true,
    script: `${choosePip(env, a.executable)} cd ${shq(workDir(a))} && ${QUIET} "$p" ${words.map(shq).join(' ')} 2>&1; echo "@rc $?"`,
    parse: runParse,
    dependsOn: [`pip:${base}:venv`],
  };
}

/** The installed distributions (pip list --format=freeze), read only when the plan asks. */
function installedFact(a: PipArgs): FactDef<PipRun> {
  const env = venvPath(a);
  const base = env ?? a.executable!;
  return {
    key: `pip:${base}:list`,
    lazy: true,
    script: `${choosePip(env, a.executable)} cd ${shq(workDir(a))} && ${QUIET} "$p" list --format=freeze 2>&1; echo "@rc $?"`,
    parse: runParse,
    dependsOn: [`pip:${base}:venv`],
  };
}

/** The words of the dry run that tells whether pip would change anything (undefined: none needed, or args refused). */
function dryWords(a: PipArgs): string[] | undefined {
  const state = a.state ?? 'present';
  if (state !== 'present' && state !== 'latest') return undefined;
  try {
    return [...STATE_ARGS[state], '--dry-run', ...pipWords(normalized(a))];
  } catch {
    return undefined; // the plan says why
  }
}

/** A name given as one string is Ansible's list of it split at commas. */
const normalized = (a: PipArgs): PipArgs => ({ ...a, name: typeof a.name === 'string' ? (a.name as string).split(',').map((n) => n.trim()) : a.name });

/** Runs the rest with PATH led by $1 (the virtualenv's bin, as Ansible's path_prefix) and umask $2 (when not empty). */
const WITH_ENV = 'p=$1 m=$2; shift 2; [ -n "$p" ] && PATH="$p:$PATH"; [ -n "$m" ] && umask "$m"; exec "$@"';

const PEP668 = 'pip without virtualenv is refused: Debian 12\'s Python is externally managed (PEP 668: pip fails with '
  + '"externally-managed-environment" on system-wide installs); give virtualenv: /opt/APP/venv (made with virtualenv_command: '
  + '"python3 -m venv", from Debian\'s python3-venv), or install Debian\'s python3-NAME package with apt';

function where(a: PipArgs): { env?: string; base: string } {
  const env = venvPath(a);
  if (env !== undefined) return { env, base: env };
  if (a.executable !== undefined) return { base: a.executable };
  throw new Error(PEP668);
}

const umaskOf = (a: PipArgs) => a.umask ?? '';

export default defineModule<PipArgs>({
  name: 'pip',
  fqcn: ['ansible.builtin.pip', 'ansible.legacy.pip'],
  aliases: { requirement: 'name', pkg: 'name' },
  description: 'Python packages in a virtualenv (made first when missing) with pip, as Ansible\'s pip; system-wide pip is refused (PEP 668 on Debian 12).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: {
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'package names or requirement specifiers (a string is split at commas, as Ansible\'s list)',
      },
      version: { type: 'string', minLength: 1 },
      requirements: { type: 'string', pattern: '^[^-]', description: 'a requirements file on the host (relative to chdir)' },
      virtualenv: { type: 'string', pattern: '^[^-~]', description: 'the virtualenv\'s path: absolute, or relative to chdir' },
      virtualenv_site_packages: { type: 'boolean', default: false },
      virtualenv_command: { type: 'string', minLength: 1, default: 'virtualenv', description: 'the command that makes a virtualenv, like "python3 -m venv"' },
      virtualenv_python: { type: 'string', minLength: 1 },
      state: { enum: ['present', 'absent', 'latest', 'forcereinstall'], default: 'present' },
      extra_args: { type: 'string', description: 'more pip arguments, split as a shell would (shlex)' },
      editable: { type: 'boolean', default: false },
      chdir: { type: 'string', pattern: '^/', description: 'an absolute path: where pip runs' },
      executable: { type: 'string', pattern: '^/', description: 'the absolute path of a pip (a virtualenv\'s bin/pip)' },
      // Ansible takes it as text: an unquoted 0022 (YAML's 18) is not an octal umask to it either.
      umask: { type: 'string', pattern: '^[0-7]{1,4}$', description: 'an octal umask, quoted, like "0022"' },
    },
  },
  facts(a) {
    const env = venvPath(a);
    if (env === undefined && a.executable === undefined) return [];
    const program = (a.virtualenv_command ?? 'virtualenv').trim().split(/\s+/)[0];
    const dry = dryWords(a);
    return [...(env !== undefined ? [venvFact(env), ...(program.includes('/') ? [] : [programFact(program)])] : []),
      ...(dry ? [dryRunFact(a, dry)] : []), ...((a.state ?? 'present') === 'absent' ? [installedFact(a)] : [])];
  },
  plan(a, facts) {
    const state = a.state ?? 'present';
    if (a.name !== undefined && a.requirements !== undefined) throw new Error('parameters are mutually exclusive: name|requirements');
    if (a.executable !== undefined && a.virtualenv !== undefined) throw new Error('parameters are mutually exclusive: executable|virtualenv');
    if (a.name === undefined && a.requirements === undefined) throw new Error('one of the following is required: name, requirements');
    if (state === 'latest' && a.version !== undefined) throw new Error('version is incompatible with state=latest');
    const args = normalized(a);
    if (args.name?.some((n) => /^\s*-/.test(n))) throw new Error('name: a package may not start with "-" (pip would read it as an option): put options in extra_args');
    const words = pipWords(args);
    const { env, base } = where(a);
    const chdir = workDir(a);
    const changes: Change[] = [];
    let pip = a.executable;
    const pipEffects: Effect[] = [{ prefix: `pip:${base}:dry:`, unknown: true }, { key: `pip:${base}:list`, unknown: true }];
    if (env) {
      const venv = facts.get(venvFact(env));
      if (!venv.activate) {
        const command = a.virtualenv_command ?? 'virtualenv';
        const first = command.trim().split(/\s+/)[0];
        const program = first.includes('/') ? first : facts.get(programFact(first));
        if (!program) throw new Error(`Failed to find required executable "${first}" for virtualenv_command (for "python3 -m venv", install Debian's python3-venv)`);
        changes.push({
          summary: `make the virtualenv ${env} (${command})`,
          steps: [{ exec: venvCommand(args, program, env), cwd: chdir }],
          // It makes the directories above it too, as needed.
          effects: [{ key: venvFact(env).key, value: { activate: true, pip: `${env}/bin/pip3` } },
            ...[env, ...ancestors(env)].map((d) => ({ key: fileFact(d).key, unknown: true as const })), ...pipEffects],
        });
        pip = `${env}/bin/pip3`;
      } else {
        if (!venv.pip) throw new Error(`Unable to find pip in the virtualenv, ${env}, under any of these names: pip3, pip. Make sure pip is present in the virtualenv.`);
        pip = venv.pip;
      }
    }
    const made = changes.length > 0;
    const what = a.name ? packages(args).join(', ') : `-r ${a.requirements}`;
    const run = (summary: string): Change => ({
      summary,
      steps: [{ exec: ['sh', '-c', WITH_ENV, 'pip', env ? `${env}/bin` : '', umaskOf(a), pip!, ...STATE_ARGS[state], ...words], cwd: chdir }],
      effects: pipEffects,
    });
    if (state === 'forcereinstall') return [...changes, run(`reinstall ${what}`)];
    if (state === 'absent') {
      if (!a.name) throw new Error('state: absent with requirements is not supported: name the packages to remove');
      if (made) return changes;
      const list = facts.get(installedFact(a));
      if (list.rc !== 0) throw new Error(`${pip} list failed (exit ${list.rc}): ${list.out.trim()}`);
      const installed = new Set(list.out.split('\n').filter((l) => l.includes('==')).map((l) => canonicalName(l.split('==')[0])));
      const gone = packages(args).filter((p) => installed.has(requirementName(p) ?? ''));
      return gone.length ? [run(`uninstall ${gone.join(', ')}`)] : [];
    }
    if (made) return [...changes, run(`${state === 'latest' ? 'install the latest' : 'install'} ${what}`)];
    const dry = facts.get(dryRunFact(a, dryWords(a)!));
    if (dry.rc !== 0) throw new Error(`pip cannot install ${what} (pip install --dry-run exited ${dry.rc}): ${dry.out.trim()}`);
    const would = /^Would install (.+)$/m.exec(dry.out)?.[1];
    return would ? [run(`install ${would.split(' ').join(', ')}`)] : [];
  },
  sideEffects: (a) => [{ prefix: `pip:${venvPath(a) ?? a.executable ?? ''}`, unknown: true }],
  // A reinstall happens on every run; planning again cannot confirm it.
  verifiable: (a) => a.state !== 'forcereinstall',
  returns: (a) => ({ name: a.name, version: a.version, state: a.state ?? 'present', requirements: a.requirements, virtualenv: a.virtualenv }),
});
