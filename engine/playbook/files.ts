// The other files a playbook reads at load: task files (import_tasks, include_tasks, a role's tasks and handlers)
// with their positions, and vars files (vars_files, a role's defaults and vars), a vault file decrypted in memory.
// A problem is reported in the file at fault, or where the file is named when it cannot be read.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Problem, Where } from '../errors.ts';
import { readTextFile } from '../local-files.ts';
import { unvault } from '../vault/password.ts';
import { loadWithPositions } from '../yaml/positions.ts';
import type { Reader } from './reader.ts';
import { NotAMapping, varsOfText } from '../vars/vars-file.ts';

/** A path as messages name it: relative to the working directory when inside it, else absolute. */
export const shown = (abs: string) => {
  const rel = relative(process.cwd(), abs);
  return !rel || rel.startsWith('..') ? abs : rel;
};

/** The first of `dirs`/`name` that is a file (a task or vars file), else undefined. */
export function findFile(name: string, dirs: string[]): string | undefined {
  const tries = isAbsolute(name) ? [name] : dirs.map((d) => resolve(d, name));
  return tries.find((t) => existsSync(t) && statSync(t).isFile());
}

/** A YAML problem as parsePlaybook reports it: at the mark in the file, the file's name not repeated. */
export function yamlProblem(err: unknown, file: string): Problem {
  const e = err as { mark?: { line: number; column: number }; reason?: string; message: string };
  const where = e.mark ? { file, line: e.mark.line + 1, col: e.mark.column + 1 } : { file, line: 1, col: 1 };
  // The error names the file already given in `where`: "FILE:LINE:COL: " or "FILE: " (several documents).
  const message = e.reason ?? e.message.replace(/^.*?:\d+:\d+:\s*/, '').replace(`${file}: `, '').split('\n')[0];
  return { where, message: `YAML: ${message}` };
}

/** A task file read with its positions, as a reader of the same playbook; undefined (a problem recorded) if it cannot be. */
export function readTaskFile(r: Reader, abs: string, where: Where, what: string): Reader | undefined {
  const file = shown(abs);
  if (r.origin.chain.includes(abs)) {
    r.problem(where, `${what} ${file} includes itself (${[...r.origin.chain.slice(r.origin.chain.indexOf(abs)), abs].map(shown).join(' -> ')})`);
    return undefined;
  }
  let text: string;
  try {
    text = readTextFile(abs, what);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    r.problem(where, e.code === 'EFBIG' ? e.message : `cannot read ${what} ${file}: ${e.code ?? e.message}`);
    return undefined;
  }
  try {
    return r.child(file, loadWithPositions(text, file), abs);
  } catch (err) {
    r.problems.push(yamlProblem(err, file));
    return undefined;
  }
}

/** A vars file: a mapping of variables (an empty file is none); a vault file is decrypted in memory. */
export function readVarsFile(r: Reader, abs: string, where: Where, what: string): Record<string, unknown> | undefined {
  const file = shown(abs);
  let text: string;
  let vault: boolean;
  try {
    ({ text, vault } = unvault(readTextFile(abs, what), file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    r.problem(where, e.code === 'EFBIG' ? e.message : `cannot read ${what} ${file}: ${e.code ?? e.message}`);
    return undefined;
  }
  try {
    return varsOfText(text, vault, file);
  } catch (err) {
    if (err instanceof NotAMapping) r.problem({ file, line: 1, col: 1 }, `${what} is a mapping of variables`);
    else r.problems.push(yamlProblem(err, file));
    return undefined;
  }
}

/** A role's main file in `sub` (tasks, handlers, defaults, vars, meta): main.yml, main.yaml or main. */
export const mainOf = (roleDir: string, sub: string) => findFile('main.yml', [join(roleDir, sub)]) ?? findFile('main.yaml', [join(roleDir, sub)])
  ?? findFile('main', [join(roleDir, sub)]);
