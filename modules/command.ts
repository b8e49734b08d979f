// command: run a program (argv, no shell) or a shell command line, unless `creates` exists or `removes` is gone.
import { posix } from 'node:path';
import { fileContentFact, fileFact, parentDir } from '../facts/files.ts';
import { type Change, type Effect, type Step, defineModule } from '../engine/module.ts';

export type CommandArgs = {
  argv?: string[];
  shell?: string;
  creates?: string;
  removes?: string;
  chdir?: string;
  env?: Record<string, string>;
};

/** The directories on the way to a path, innermost first (not "/"). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = parentDir(path); d !== '/'; d = parentDir(d)) out.push(d);
  return out;
}

/** creates/removes relative to chdir, as the command itself sees them. */
function resolved(a: CommandArgs, path: string): string {
  return a.chdir && !path.startsWith('/') ? posix.join(a.chdir, path) : path;
}

export default defineModule<CommandArgs>({
  name: 'command',
  description: [
    'Run a command: `argv` (a list, no shell involved) or `shell` (a command line run by /bin/sh).',
    'The free form `command: "ls -l"` is a shell command line.',
    'Skipped when the file `creates` names exists, or when the one `removes` names does not (plain paths, no globs);',
    'without either it runs every time, and check mode cannot predict what it changes.',
  ].join(' '),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      argv: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'a list of words: the program and its arguments' },
      shell: { type: 'string', minLength: 1 },
      creates: { type: 'string', minLength: 1 },
      removes: { type: 'string', minLength: 1 },
      chdir: { type: 'string', minLength: 1 },
      env: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' },
        additionalProperties: { type: 'string', description: 'a string (quote numbers and booleans)' },
      },
    },
    // Exactly one of argv and shell.
    if: { required: ['argv'] },
    then: { properties: { shell: { type: 'null', description: 'left out when argv is given (command takes argv or shell, not both)' } } },
    else: { required: ['shell'] },
  },
  freeForm: (value) => ({ shell: value }),
  facts: (a) => [...[a.creates, a.removes].filter((p): p is string => p !== undefined).map((p) => fileFact(resolved(a, p))),
    ...(a.creates !== undefined ? ancestors(resolved(a, a.creates)).map(fileFact) : [])],
  plan(a, facts) {
    const creates = a.creates !== undefined ? resolved(a, a.creates) : undefined;
    const removes = a.removes !== undefined ? resolved(a, a.removes) : undefined;
    if (creates && facts.get(fileFact(creates)).state !== 'absent') return [];
    if (removes && facts.get(fileFact(removes)).state === 'absent') return [];
    const extra = { ...(a.chdir ? { cwd: a.chdir } : {}), ...(a.env ? { env: a.env } : {}) };
    const step: Step = a.argv ? { exec: a.argv, ...extra } : { shell: a.shell!, ...extra };
    const effects: Effect[] = [];
    // What makes `creates` may make the directories on the way to it too (mkdir -p, tar -C): those not there yet
    // are unknown as well (a directory that is there stays one).
    if (creates) {
      effects.push({ key: fileFact(creates).key, unknown: true }, { key: fileContentFact(creates).key, unknown: true });
      for (const d of ancestors(creates)) if (facts.get(fileFact(d)).state !== 'directory') effects.push({ key: fileFact(d).key, unknown: true });
    }
    if (removes) effects.push({ key: fileFact(removes).key, value: { state: 'absent' } }, { key: fileContentFact(removes).key, value: { exists: false } });
    if (!effects.length) effects.push({ all: 'unknown' });
    const change: Change = { summary: `run: ${a.argv ? a.argv.join(' ') : a.shell}`, steps: [step], effects };
    return [change];
  },
  verifiable: (a) => Boolean(a.creates || a.removes),
});
