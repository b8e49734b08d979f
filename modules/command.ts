// command and shell: run a program (argv, no shell) or a shell command line, unless `creates` exists or `removes`
// is gone. Ansible's forms: free form with creates=/removes=/chdir= words, `cmd`; shell's `executable`.
import { posix } from 'node:path';
import { ancestors, fileContentFact, fileFact } from '../facts/files.ts';
import { split } from 'shlex';
import { type Change, type Effect, type ModuleDef, type Step, defineModule } from '../engine/module.ts';
import { parseKv } from '../engine/playbook/kv.ts';

export type CommandArgs = {
  argv?: string[];
  /** Ansible's `cmd` and free form: for command, words split as Python's shlex.split (no shell); for shell, a shell line. */
  cmd?: string;
  shell?: string;
  creates?: string;
  removes?: string;
  chdir?: string;
  /** shell only: the program that runs `cmd` (Ansible's default /bin/sh). */
  executable?: string;
  env?: Record<string, string>;
};

/** The directories on the way to a path, innermost first (not "/"). */
/** creates/removes relative to chdir, as the command itself sees them. */
function resolved(a: CommandArgs, path: string): string {
  return a.chdir && !path.startsWith('/') ? posix.join(a.chdir, path) : path;
}

/** The key=value words Ansible's free form of command and shell takes as arguments; any other stays in the command. */
const FREE_KEYS = new Set(['creates', 'removes', 'chdir']);

/** Ansible's free form: `echo hi creates=/x chdir=/tmp` -> cmd "echo hi" and its arguments. */
function freeForm(value: string, keys: ReadonlySet<string>): CommandArgs {
  const { args, raw } = parseKv(value, keys);
  if (!raw.length) throw new Error('names no command (only key=value arguments)');
  return { cmd: raw.join(' '), ...args };
}

/**
 * command's `cmd` as argv, as Ansible's command module splits it (shlex.split). Ansible then expands $VAR and ~
 * in each word on the host (os.path.expandvars/expanduser); that is not done here yet, so such a word is refused.
 */
export function commandWords(cmd: string): string[] {
  let words: string[];
  try {
    words = split(cmd);
  } catch (err) {
    throw new Error(`command: cannot split "${cmd}": ${(err as Error).message}`);
  }
  if (!words.length) throw new Error('command: an empty command line');
  const expands = words.find((w) => /\$(\w|\{)/.test(w) || w.startsWith('~'));
  if (expands) throw new Error(`command: "${expands}": Ansible expands $VAR and ~ in command words on the host; that is not supported yet (use shell:, or write the value out)`);
  return words;
}

/** The step that runs the command, before chdir and env. */
export type Runner = (a: CommandArgs) => Step;

const properties = {
  argv: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'a list of words: the program and its arguments' },
  cmd: { type: 'string', minLength: 1 },
  creates: { type: 'string', minLength: 1 },
  removes: { type: 'string', minLength: 1 },
  chdir: { type: 'string', minLength: 1 },
  env: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' },
    additionalProperties: { type: 'string', description: 'a string (quote numbers and booleans)' },
  },
};

const leftOut = (given: string) => ({ type: 'null', description: `left out when ${given} is given (command takes one of argv, cmd and shell)` });

/** command and shell: the same planner (creates, removes, chdir, env), told how to run. */
export function commandModule(name: 'command' | 'shell', description: string): ModuleDef<CommandArgs> {
  const schema = name === 'command'
    ? {
      type: 'object', additionalProperties: false,
      properties: { ...properties, shell: { type: 'string', minLength: 1 } },
      // Exactly one of argv, cmd (Ansible's free form) and shell: a second one is refused where it is written.
      allOf: [
        { if: { required: ['argv'] }, then: { properties: { cmd: leftOut('argv'), shell: leftOut('argv') } } },
        { if: { required: ['cmd'] }, then: { properties: { shell: leftOut('cmd') } } },
        {
          anyOf: [{ required: ['argv'] }, { required: ['cmd'] }, { required: ['shell'] }],
          description: 'given one of argv (a list of words), cmd (a command line, split into words) or shell (a shell line)',
        },
      ],
    }
    : {
      type: 'object', additionalProperties: false, required: ['cmd'],
      properties: { cmd: properties.cmd, creates: properties.creates, removes: properties.removes, chdir: properties.chdir,
        env: properties.env, executable: { type: 'string', pattern: '^/', description: 'an absolute path to a shell' } },
    };
  const keys = name === 'shell' ? new Set([...FREE_KEYS, 'executable']) : FREE_KEYS;
  return defineModule<CommandArgs>({
    name,
    description,
    schema,
    fqcn: [`ansible.builtin.${name}`, `ansible.legacy.${name}`],
    freeForm: (value) => freeForm(value, keys),
    facts: (a) => [...[a.creates, a.removes].filter((p): p is string => p !== undefined).map((p) => fileFact(resolved(a, p))),
      ...(a.creates !== undefined ? ancestors(resolved(a, a.creates)).map(fileFact) : [])],
    plan(a, facts) {
      const creates = a.creates !== undefined ? resolved(a, a.creates) : undefined;
      const removes = a.removes !== undefined ? resolved(a, a.removes) : undefined;
      if (creates && facts.get(fileFact(creates)).state !== 'absent') return [];
      if (removes && facts.get(fileFact(removes)).state === 'absent') return [];
      const extra = { ...(a.chdir ? { cwd: a.chdir } : {}), ...(a.env ? { env: a.env } : {}) };
      const line = name === 'shell' ? a.cmd! : a.shell;
      const step: Step = line !== undefined
        ? (a.executable ? { exec: [a.executable, '-c', line], ...extra } : { shell: line, ...extra })
        : { exec: a.argv ?? commandWords(a.cmd!), ...extra };
      const effects: Effect[] = [];
      // What makes `creates` may make the directories on the way to it too (mkdir -p, tar -C): those not there yet
      // are unknown as well (a directory that is there stays one).
      if (creates) {
        effects.push({ key: fileFact(creates).key, unknown: true }, { key: fileContentFact(creates).key, unknown: true });
        for (const d of ancestors(creates)) if (facts.get(fileFact(d)).state !== 'directory') effects.push({ key: fileFact(d).key, unknown: true });
      }
      if (removes) effects.push({ key: fileFact(removes).key, value: { state: 'absent' } }, { key: fileContentFact(removes).key, value: { exists: false } });
      if (!effects.length) effects.push({ all: 'unknown' });
      const change: Change = { summary: `run: ${a.argv ? a.argv.join(' ') : a.cmd ?? a.shell}`, steps: [step], effects };
      return [change];
    },
    verifiable: (a) => Boolean(a.creates || a.removes),
  });
}

export default commandModule('command', [
  'Run a program: `argv` (a list of words), or `cmd` / the free form `command: prog arg creates=/x`, split into words',
  'as Ansible splits them (no shell: `>` and `|` are plain words); or `shell` (a command line run by /bin/sh).',
  'Skipped when the file `creates` names exists, or when the one `removes` names does not (plain paths, no globs);',
  'without either it runs every time, and check mode cannot predict what it changes.',
].join(' '));
