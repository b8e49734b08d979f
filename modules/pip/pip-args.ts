// What Ansible's pip module makes of its arguments, before anything runs (ansible/modules/pip.py, ansible-core
// 2.14): the package list recovered from names split at commas, `version` joined to the one name, the virtualenv
// command line, and the pip command line (pip, the state's subcommand, extra_args split as shlex splits them, the
// packages or -r requirements). Pure.
import { split } from 'shlex';

export type PipArgs = {
  name?: string[]; version?: string; requirements?: string; virtualenv?: string; virtualenv_site_packages?: boolean; virtualenv_command?: string;
  virtualenv_python?: string; state?: 'present' | 'absent' | 'latest' | 'forcereinstall'; extra_args?: string; editable?: boolean; chdir?: string;
  executable?: string; umask?: string;
};

export const STATE_ARGS = { present: ['install'], absent: ['uninstall', '-y'], latest: ['install', '-U'], forcereinstall: ['install', '-U', '--force-reinstall'] };

const OPS = ['>=', '<=', '>', '<', '==', '!=', '~='];

/** _recover_package_name: ["django>1.11.1", "<1.11.3", "x"] -> ["django>1.11.1,<1.11.3", "x"] (names may come split at commas). */
export function recoverNames(names: string[]): string[] {
  const parts = names.flatMap((n) => n.split(','));
  const out: string[] = [];
  let current: string[] = [];
  let inBrackets = false;
  for (const p of parts) {
    const isName = !OPS.some((op) => p.replace(/^\s+/, '').startsWith(op));
    if (isName && !inBrackets) {
      if (current.length) out.push(current.join(','));
      current = [];
    }
    if (p.includes('[')) inBrackets = true;
    if (inBrackets && p.includes(']')) inBrackets = false;
    current.push(p);
  }
  out.push(current.join(','));
  return out;
}

/** A distribution's name as pip compares them (Package.canonicalize_name): lower case, runs of -_. as one -. */
export const canonicalName = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

/** The project name a requirement starts with ("Django[bcrypt]>=4" -> "django"), or undefined (a path, a URL). */
export function requirementName(req: string): string | undefined {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(?:$|[<>=!~;@ ])/.exec(req);
  return m ? canonicalName(m[1]) : undefined;
}

/** The packages as given to pip: recovered, and `version` joined to the one package (name==1.0, or "name >=1.0"). */
export function packages(a: PipArgs): string[] {
  if (!a.name) return [];
  const pkgs = recoverNames(a.name);
  if (a.version !== undefined) {
    if (pkgs.length > 1) {
      throw new Error('\'version\' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in \'name\' argument.');
    }
    if (/[<>=!~]/.test(pkgs[0])) {
      throw new Error('The \'version\' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the \'version\' argument.');
    }
    const v = a.version.replace(/^\s+/, '');
    pkgs[0] = `${pkgs[0]}${/^[0-9]/.test(v) ? '==' : ' '}${v}`;
  }
  return pkgs;
}

/** Where pip runs (chdir, else the host's temp directory, as Ansible's tempfile.gettempdir()) and the virtualenv's path. */
export const workDir = (a: PipArgs) => a.chdir ?? '/tmp';
export const venvPath = (a: PipArgs) => (a.virtualenv === undefined ? undefined : a.chdir && !a.virtualenv.startsWith('/') ? `${a.chdir.replace(/\/+$/, '')}/${a.virtualenv}` : a.virtualenv);

/** The words after pip's subcommand: extra_args (with -e when editable), then the packages or -r FILE. */
export function pipWords(a: PipArgs): string[] {
  let extra = a.extra_args;
  if (a.editable) {
    const words = extra ? extra.split(' ') : [];
    if (!words.includes('-e')) extra = [...words, '-e'].join(' ');
  }
  const words = extra ? split(extra) : [];
  return [...words, ...(a.name ? packages(a) : ['-r', a.requirements!])];
}

/**
 * The command that makes the virtualenv (setup_virtualenv): the command (its program found on the host's PATH,
 * `program`), --system-site-packages, -p PYTHON unless it is venv or pyvenv, and the path.
 */
export function venvCommand(a: PipArgs, program: string, env: string): string[] {
  const command = a.virtualenv_command ?? 'virtualenv';
  const cmd = split(command);
  cmd[0] = program;
  if (a.virtualenv_site_packages) cmd.push('--system-site-packages');
  if (!['pyvenv', '-m venv'].some((x) => command.includes(x))) cmd.push(`-p${a.virtualenv_python ?? '/usr/bin/python3'}`);
  else if (a.virtualenv_python) throw new Error('virtualenv_python should not be used when using the venv module or pyvenv as virtualenv_command');
  return [...cmd, env];
}
