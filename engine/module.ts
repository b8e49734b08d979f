// What a module is: a JSON Schema for its arguments, the facts it needs, and a pure plan. The engine imports
// no module: it is handed a Registry (modules/index.ts builds it, cli/ passes it in); no module imports a transport.

/** How to learn one thing about a host: a POSIX sh snippet, and a parser of what it prints. */
export type FactDef<T = unknown> = {
  /** Unique per thing observed: "file:/etc/nginx/nginx.conf", "debs", "service:nginx". */
  key: string;
  /** Runs as the task's user, batched with others into one remote exec; its exit code goes to parse. */
  script: string;
  parse(stdout: string, code: number): T;
  /**
   * Read only if a plan asks for it (the old text of a file, for a diff): not gathered up front. A plan
   * that reads a lazy fact not yet known is stopped, the fact gathered, and the plan run again.
   */
  lazy?: boolean;
  /**
   * Only read by the task that declares it, never changed by it (the owner a file is given, the directory it goes
   * in): a task that is only conditional in check mode does not make it unknown for the tasks after it.
   */
  readOnly?: boolean;
  /**
   * Facts whose change changes this one though no module says so (a file's mtime and sha1 when another module
   * writes the file): in check mode, when a simulated change set or touched one of them, this fact cannot be
   * known, and its reader is conditional. A key ending in `*` stands for every key it starts with (a tree of files).
   */
  dependsOn?: string[];
  /**
   * Read anew each time a task that declares it plans (wait_for's wait, uri's request): a value read for an earlier
   * task, or an earlier attempt of an until loop, is never reused. Lazy, so never read ahead with other facts.
   */
  fresh?: boolean;
};

/** The fact as one a task only reads (see FactDef.readOnly). */
export const readOnly = <T>(def: FactDef<T>): FactDef<T> => ({ ...def, readOnly: true });

/** Read access to gathered facts; a module reads only facts it declared. */
export interface Facts {
  get<T>(def: FactDef<T>): T;
}

/** What running a change does on the host. Commands are argv arrays: the engine quotes them. */
export type Step =
  | { exec: string[]; stdin?: string | Buffer; okCodes?: number[]; cwd?: string; env?: Record<string, string>;
    /**
     * What the step only waits for outside the files (an instance answering its health check): it changes nothing,
     * and in the exact check's view, where no service runs, it is not run.
     */
    awaits?: string }
  /** A shell command line written by the user (the command module's `shell:`), never built from args. */
  | { shell: string; cwd?: string; env?: Record<string, string> }
  /**
   * Atomic file write: a temp file beside `path`, owner/group/mode set, `validate` run on it
   * (%s is the temp file), then renamed over `path`. A failed validation leaves the old file.
   */
  | { write: { path: string; content: string | Buffer; mode?: string; owner?: string; group?: string; validate?: string; backup?: boolean } };

/** How a change leaves a fact: its new value, or unknown (later readers are reported conditional). */
export type Effect =
  | { key: string; value: unknown }
  | { key: string; unknown: true }
  /** Every fact whose key starts with the prefix, e.g. "file:/etc/" after a package install. */
  | { prefix: string; unknown: true }
  | { all: 'unknown' };

export type FileDiff = {
  path: string;
  before: string | null;
  after: string | null;
  /** Set instead of text when the content is binary or too large to show. */
  note?: string;
  /** Text shown as it is, in place of a diff of before and after: Ansible's 'prepared' diff (git's). */
  prepared?: string;
};

export type Change = {
  /** Human summary: "install nginx 1.22.1-9", "write /etc/haproxy/haproxy.cfg". */
  summary: string;
  diff?: FileDiff;
  /**
   * The diff Ansible shows in check mode where it is not the one of a real run (`diff`): file's new directory, whose
   * owner and mode its check mode does not compare; null: none at all.
   */
  checkDiff?: FileDiff | null;
  /**
   * A diff read from the host, as Ansible reads it (git's `git diff` of the two commits, what a directory removed
   * held): under --diff, the step runs `when` the change's steps are about to run or have run, and in check mode
   * (`inCheck`: it must leave the host as it is) in their place; its stdout is shown as it is (Ansible's 'prepared'
   * text), or as `show` makes it a diff, in place of `diff`.
   */
  diffRead?: { path: string; step: Step; when: 'before' | 'after'; inCheck?: boolean; show?(stdout: string): FileDiff | undefined;
    /** The step read in check mode in its place, when it differs (apt's simulation there without the update it runs first). */
    checkStep?: Step };
  steps: Step[];
  effects: Effect[];
  /** Redact summary details and diff in every output. */
  sensitive?: boolean;
  /**
   * Its steps run, but it does not make the task changed (nor notify): what Ansible does not count as a change
   * (systemd's daemon_reload). A task whose changes are all unreported is ok.
   */
  unreported?: boolean;
  /**
   * Counts as a change only if, once its steps ran, this fact (one the module declared) `differs` from what the plan
   * read (by default: any difference): Ansible's apt update is changed when the lists' time stamp moved. In check mode
   * the task is conditional, unless another of its changes counts anyway (Ansible's check says changed).
   */
  reportedIf?: { fact: FactDef; differs?: (before: any, after: any) => boolean };
};

/** The status a task's changes give it once they ran (or were simulated): changed, unless none of them counts. */
export const changedBy = (changes: Change[]): 'changed' | 'ok' => (changes.some((c) => !c.unreported) ? 'changed' : 'ok');

/** An npm package with its dependencies, resolved and packed on this machine. */
export type NpmPack = { name: string; version: string; bins: Record<string, string>; sha256: string; tarball: Buffer };

/** Work on this machine that plans may call and that no module should do itself (cached, shared by every host). */
export type PlanServices = {
  /** An npm package with its dependencies, resolved and packed on this machine (cached): for offline installs. */
  npmPack(spec: string): NpmPack;
};

/** Pure helpers a plan may use: local files of the playbook (templates, sources), already resolved. */
export type PlanContext = PlanServices & {
  host: string;
  /** How this run reaches the host: a firewall must not cut the port it is using. */
  connection: { user: string; port: number };
  /** Whom the task's facts and steps run as: its become user, else the connecting user (cron's own crontab is theirs). */
  runAs: string;
  /**
   * Reads a local file named by a module argument (relative to the playbook or templates/); one over `max`
   * bytes is refused unread, as "WHAT "PATH" is N MB, over the limit of M MB".
   */
  readLocal(path: string, o?: { max?: number; what?: string }): Buffer;
  /** The permission bits of a local file named by a module argument, as four octal digits (copy's mode: preserve). */
  localMode(path: string): string;
  /**
   * A local directory named by a module argument (copy's src), walked as Ansible's copy walks it (engine/local-tree.ts);
   * undefined when the path is a file. Absent where no local directory can be read.
   */
  localTree?(path: string, o: { follow: boolean }): LocalTree | undefined;
  /** Renders a local template file with the task's variables and those Ansible adds for it (ansible_managed...; `dest`: template_destpath). */
  render(path: string, dest?: string): string;
};

/**
 * What copy sends of a local directory, as Ansible's _walk_dirs lists it: files (`path` to read, `rel` below dest),
 * directories and symlinks (kept as links) by their path below dest, "dir" naming its own directory, "dir/" only
 * what is in it.
 */
export type LocalTree = { files: Array<{ path: string; rel: string }>; directories: string[]; symlinks: Array<{ target: string; rel: string }> };

/** A local file a task names in its arguments (a template, a copy source): checked by validate before any connection. */
export type LocalSource = {
  /** The argument that names it ("src"). */
  arg: string;
  path: string;
  /** A template is read as text, and the variables it uses must be defined; a file is only checked to exist and fit. */
  kind: 'template' | 'file';
  /** Bytes; larger is refused. */
  max?: number;
  /** A directory is as good as a file (copy's src). */
  dir?: boolean;
  /** How errors name it: "copy source". */
  what: string;
};

/** What a module that runs on this machine alone (debug, set_fact, assert, fail, pause) may read: its task's variables. */
export type ActionContext = {
  /** The value of a Jinja2 expression (`x`, `x.y | length`) with the task's variables; throws when it cannot be had. */
  evaluate(expr: string): unknown;
  /** Whether a condition holds, read as `when` reads it. */
  holds(cond: unknown): boolean;
  /** A vars file on this machine (include_vars): found in the role's vars/, the role, the playbook's vars/, the playbook's directory. */
  readVars(name: string): { vars: Record<string, unknown>; file: string };
};

/** What such a module came to. */
export type ActionResult = {
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  /** Shown with the task's result (debug's message, a failed assertion's). */
  msg?: string;
  /** Variables of the host from now on (set_fact): over play and task vars, under -e. */
  sets?: Record<string, unknown>;
  /** What `register` records besides changed, failed and skipped. */
  result?: Record<string, unknown>;
  /** Waits this long on this machine first (pause). */
  waitMs?: number;
};

export type ModuleDef<A = any> = {
  name: string;
  description: string;
  /** ajv JSON Schema of the arguments (additionalProperties: false). */
  schema: object;
  /** Ansible's full names for it (`ansible.builtin.copy`), accepted as the task's module key: only where the arguments agree. */
  fqcn?: string[];
  /** Ansible's other names of its arguments (alias -> argument: lineinfile's `dest` -> `path`), taken as the argument. */
  aliases?: Record<string, string>;
  /** Its arguments from a free-form string (`command: "ls -l creates=/x"`); throws with the reason when they cannot be read. */
  freeForm?: (value: string) => A;
  facts(args: A, ctx: PlanContext): FactDef[];
  plan(args: A, facts: Facts, ctx: PlanContext): Change[];
  /**
   * What its changes may touch besides its own facts (a package install: services, users, files under /etc...):
   * made unknown when check mode cannot plan the task (it is conditional), so the tasks after it are too.
   */
  sideEffects?(args: A): Effect[];
  /** False when planning again cannot confirm the changes ran (a command without creates/removes). */
  verifiable?(args: A): boolean;
  /**
   * Facts that become variables of the host (service_facts): read from its declared facts when it plans no change,
   * set as set_fact sets them (in --check too), also under ansible_facts.
   */
  gathered?(args: A, facts: Facts): Record<string, unknown>;
  /**
   * Variables of the host it sets, changed or not (hostname: ansible_hostname...), set as set_fact sets them, also
   * under ansible_facts (without the ansible_ prefix): from its facts as its plan read them (in --check, before its
   * simulated change, as Ansible's module in check mode reports the host unchanged), or read again after its steps
   * ran. Its `localSets` names them, for validate.
   */
  sets?(args: A, facts: Facts): Record<string, unknown>;
  /** What `register` records besides changed and failed when it plans no change (stat's `stat`), from its facts. */
  returns?(args: A, facts: Facts, ctx?: PlanContext): Record<string, unknown>;
  /**
   * What `register` records besides changed and failed once its changes ran (get_url's dest, status_code...), in
   * place of the last step's rc and stdout: from the facts its plan read, its changes, and the last step's output.
   */
  returnsChanged?(args: A, facts: Facts, changes: Change[], stdout: string, ctx?: PlanContext): Record<string, unknown>;
  /**
   * Why the task is skipped before anything is planned (as Ansible's action plugin skips unarchive when `creates`
   * exists), from its facts; undefined when it runs.
   */
  skips?(args: A, facts: Facts): string | undefined;
  /**
   * 'skip': Ansible's module does not support check mode (wait_for, uri): in --check, and under check_mode: true,
   * the task is skipped before anything is read, as Ansible skips it.
   */
  checkMode?: 'skip';
  /**
   * Why the exact check's view cannot tell what it would do (wait_for on a port: no service runs in the view;
   * hostnamectl: no D-Bus there), from its arguments and eager facts, or undefined: under --exact the task is then
   * conditional with that reason, not run in the view; `diverges`: it would change the host, so every task after
   * it is conditional too; `outside`: it would act outside the view (uri's POST), which check_mode: false asks for,
   * as Ansible's --check runs such a task for real: then it runs in the view.
   */
  unknownInView?(args: A, facts: Facts): { why: string; diverges: boolean; outside?: boolean } | undefined;
  /**
   * Runs on this machine alone, instead of facts, plan and steps (debug, set_fact, assert, fail, pause): the same
   * in --check. Such a module's facts() and plan() give nothing.
   */
  local?(args: A, ctx: ActionContext): ActionResult;
  /**
   * The variables it sets (set_fact, and a module of the host that has `sets`), from its unrendered arguments: known
   * to validate, unknown in --check when it is; 'any' when only running it can tell (include_vars of a file): validate
   * then checks no later name.
   */
  localSets?(args: Record<string, unknown>): string[] | 'any';
  /** The local files its (unrendered) arguments name, for validate: none when absent. */
  localSources?(args: Record<string, unknown>): LocalSource[];
};

/** What the engine is handed: every module by name, and the services their plans may call. */
export type Registry = { modules: ReadonlyMap<string, ModuleDef>; services: PlanServices };

/** A plan's failure that carries what Ansible's module returns with it (uri's status, wait_for's elapsed): registered with msg. */
export class ModuleFailure extends Error {
  constructor(message: string, readonly result: Record<string, unknown>) {
    super(message);
  }
}

export function defineModule<A>(m: ModuleDef<A>): ModuleDef<A> {
  return m;
}
