// What the parts of a playbook parser share: the loaded YAML with its positions, the problems found so far, the
// modules by name (and Ansible's full names), and Ansible's boolean keywords.
import type { Problem, Where } from '../errors.ts';
import type { ModuleDef } from '../module.ts';
import { isTemplated } from '../vars/template.ts';
import type { PositionedYaml } from '../yaml/positions.ts';
import type { TaskDef } from './types.ts';
import { ansibleBool } from '../yaml/schema.ts';

export type Path = Array<string | number>;

export const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
export const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Ansible keywords provision does not run yet: refused by name as not supported, never taken for a module's name
 * or ignored. (Those of plays are in parse.ts.)
 */
export const TASK_KEYWORDS_NOT_YET = new Set([
  'delegate_facts',
  'diff', 'any_errors_fatal', 'become_flags', 'become_exe',
  'with_random_choice', 'with_inventory_hostnames', 'with_flattened', 'local_action', 'action', 'async', 'poll',
  'throttle', 'timeout', 'debugger', 'module_defaults', 'collections', 'connection', 'port',
  'remote_user', 'include', 'import_playbook',
]);

/** What the roles of the play being read add to it: their handlers, defaults and vars; roles already read. */
export type PlayParts = {
  handlers: TaskDef[];
  roleDefaults: Array<{ role: string; vars: Record<string, unknown> }>;
  roleVars: Array<{ role: string; vars: Record<string, unknown> }>;
  seen: Set<string>;
};

/** Where a playbook's parts come from: its directory, the files being read (the last: this one; for cycles), the play's parts. */
export type Origin = { playDir: string; chain: string[]; play?: PlayParts };

export class Reader {
  private byFqcn: Map<string, ModuleDef>;

  /** `file` as it is named in messages; `problems` shared by every file of one playbook. */
  constructor(readonly file: string, readonly doc: PositionedYaml, readonly modules: ReadonlyMap<string, ModuleDef>,
    readonly problems: Problem[] = [], readonly origin: Origin = { playDir: '.', chain: [] }) {
    this.byFqcn = new Map([...modules.values()].flatMap((m) => (m.fqcn ?? []).map((f) => [f, m] as const)));
  }

  /** A reader of another file of the same playbook (a task file, a role's): problems and origin shared. */
  child(file: string, doc: PositionedYaml, absPath: string): Reader {
    return new Reader(file, doc, this.modules, this.problems, { ...this.origin, chain: [...this.origin.chain, absPath] });
  }

  /** The directory of the file being read. */
  get dir(): string {
    const f = this.origin.chain.at(-1);
    return f ? f.replace(/\/[^/]*$/, '') : this.origin.playDir;
  }

  /** Where the value at `p` is written (`key`: its key, for an unknown key). */
  at(p: Path, key = false): Where {
    const pos = (key ? this.doc.keyPos(p) : undefined) ?? this.doc.pos(p) ?? { line: 1, col: 1 };
    return { file: this.file, line: pos.line, col: pos.col };
  }

  /** Where the value at `p` is written, if it is. */
  maybeAt(p: Path): Where | undefined {
    const pos = this.doc.pos(p);
    return pos ? { file: this.file, ...pos } : undefined;
  }

  problem(where: Where, message: string): void {
    this.problems.push({ where, message });
  }

  /** A module by its name or one of Ansible's full names for it (ansible.builtin.copy). */
  module(key: string): ModuleDef | undefined {
    return this.modules.get(key) ?? this.byFqcn.get(key);
  }

  /**
   * become_user (a user name: a template is not supported yet) and become_method (sudo only, for now) of a task,
   * block, role or play: the user, or undefined.
   */
  becomeUser(raw: Record<string, unknown>, p: Path): string | undefined {
    const m = raw.become_method;
    if (m !== undefined && m !== null && m !== 'sudo') {
      this.problem(this.at([...p, 'become_method']), `become_method ${JSON.stringify(m)} is not supported yet (sudo is)`);
    }
    const u = raw.become_user;
    if (u === undefined || u === null) return undefined;
    if (typeof u === 'string' && isTemplated(u)) {
      this.problem(this.at([...p, 'become_user']), 'become_user: a template is not supported yet');
      return undefined;
    }
    if (typeof u !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(u)) {
      this.problem(this.at([...p, 'become_user']), `become_user ${JSON.stringify(u)} is not a user name`);
      return undefined;
    }
    return u;
  }

  /** A boolean keyword that may also be a template, judged when the task runs (ignore_errors: "{{ ansible_check_mode }}"). */
  flagOrTemplate(raw: Record<string, unknown>, key: string, p: Path): boolean | string | undefined {
    const v = raw[key];
    if (typeof v === 'string' && isTemplated(v)) return v;
    return this.flag(raw, key, p);
  }

  /**
   * A boolean keyword as Ansible reads it (yes/no/on/off/true/false/1/0 and their quoted forms); anything else,
   * a template included, is refused where it is written rather than guessed.
   */
  flag(raw: Record<string, unknown>, key: string, p: Path): boolean | undefined {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    const b = ansibleBool(v);
    if (b === undefined) {
      const what = typeof v === 'string' && isTemplated(v) ? 'a template in a boolean keyword is not supported yet' : `${JSON.stringify(v)} is not a boolean`;
      this.problem(this.at([...p, key]), `${key}: ${what} (yes/no, true/false, on/off, 1/0)`);
    }
    return b;
  }
}
