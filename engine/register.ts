// What `register` records of a task: its own status, and the output of its own last step if one ran. In check
// mode a task whose steps would run did not run them: its rc, stdout and stderr (and, when the task was only
// conditional, whether it changed) are unknown. Reading one of those makes the reading task conditional, with
// the reason, instead of being guessed: a Proxy answers every other key and trips a wire on the unknown ones.
import type { TaskStatus } from './results.ts';

/** What a command of the task printed: its last step's. */
export type StepOutput = { rc: number; stdout: string; stderr: string };

export function registered(status: TaskStatus, output?: StepOutput, result: Record<string, unknown> = {}): Record<string, unknown> {
  if (status === 'unreachable') return { changed: false, unreachable: true, ...result };
  const flags = { changed: status === 'changed', failed: status === 'failed', skipped: status === 'skipped', ...result };
  if (!output) return flags;
  // As Ansible's command module (strip_empty_ends) and its action plugin (the *_lines of any stdout/stderr).
  const stdout = output.stdout.replace(/[\r\n]+$/, '');
  const stderr = output.stderr.replace(/[\r\n]+$/, '');
  return { ...flags, rc: output.rc, stdout, stderr, stdout_lines: splitLines(stdout), stderr_lines: splitLines(stderr) };
}

/** Python's str.splitlines(), on a text whose trailing line ends are already stripped. */
const splitLines = (s: string) => (s === '' ? [] : s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/));

/** The reads of unknown registered values since it was last reset; `placeholder`: answer them instead of throwing. */
export class Tripwire {
  reads: string[] = [];
  placeholder = false;

  reset(placeholder = false): void {
    this.reads = [];
    this.placeholder = placeholder;
  }

  /** Why a task that read unknown values cannot be predicted, or undefined when it read none. */
  reason(): string | undefined {
    if (!this.reads.length) return undefined;
    return `reads ${[...new Set(this.reads)].join(', ')}, which check mode cannot know: the task that registers it did not run`;
  }
}

export class UnknownRead extends Error {}

/**
 * Check mode: the registered result of a task whose steps were only simulated (changed, or ok by changed_when),
 * or that may or may not change (conditional). Its known keys (and `extra`, such as a loop item's `item`) read
 * as usual; its unknown ones trip `wire`.
 */
export function predicted(name: string, status: TaskStatus, wire: Tripwire, extra: Record<string, unknown> = {}, alsoUnknown: string[] = []): Record<string, unknown> {
  const unknown = new Set(['rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines', ...alsoUnknown, ...(status === 'conditional' ? ['changed', 'failed'] : [])]);
  const target: Record<string, unknown> = { ...registered(status), rc: undefined, stdout: undefined, stderr: undefined, stdout_lines: undefined, stderr_lines: undefined, ...extra };
  return tripping(target, unknown, name, wire);
}

/** What templates and JavaScript read of any object, never a module's return value. */
const NOT_DATA = new Set(['length', 'toString', 'toJSON', 'valueOf', 'constructor', 'then', 'inspect']);

/**
 * A result whose keys are known only as far as `target` says: a listed `unknown` key trips the wire, and so does
 * any other data key not in it (a module's own return value, stat's `stat`, that only running it gives).
 */
function tripping(target: Record<string, unknown>, unknown: Set<string>, name: string, wire: Tripwire): Record<string, unknown> {
  return new Proxy(target, {
    get(t, key, receiver) {
      const data = typeof key === 'string' && !(key in t) && /^[A-Za-z][A-Za-z0-9_]*$/.test(key) && !NOT_DATA.has(key);
      if (typeof key === 'string' && (unknown.has(key) || data)) {
        wire.reads.push(`${name}.${key}`);
        if (wire.placeholder) return `(unknown ${name}.${key})`;
        throw new UnknownRead(`${name}.${key} is not known in check mode`);
      }
      return Reflect.get(t, key, receiver);
    },
  });
}

/** Whether a check-mode registered result must be predicted: the task's steps would have run (or might). */
export const unknownInCheck = (status: TaskStatus) => status === 'changed' || status === 'conditional';

/** What one loop item came to, for `register`; `simulated`: check mode only simulated its steps. */
export type ItemResult = { status: TaskStatus; item: unknown; output?: StepOutput; simulated?: boolean; result?: Record<string, unknown> };

/**
 * What `register` records of a loop, as Ansible: a result per item under `results` (each with its `item`),
 * changed and failed if any item was, skipped if every one was. In check mode (`wire`), an item whose steps
 * were only simulated is predicted; `changed` and `failed` of the whole are unknown while an item is conditional.
 */
export function registeredLoop(name: string, items: ItemResult[], wire?: Tripwire, loopVar = 'item'): Record<string, unknown> {
  const results = items.map((r, i) => (wire && (r.simulated || unknownInCheck(r.status))
    ? predicted(`${name}.results[${i}]`, r.status, wire, { [loopVar]: r.item, ansible_loop_var: loopVar })
    : { ...registered(r.status, r.output, r.result), [loopVar]: r.item, ansible_loop_var: loopVar }));
  const whole: Record<string, unknown> = {
    changed: items.some((r) => r.status === 'changed'), failed: items.some((r) => r.status === 'failed'),
    skipped: items.every((r) => r.status === 'skipped'), results,
    msg: items.every((r) => r.status === 'skipped') ? (items.length ? 'All items skipped' : 'No items in the list') : 'All items completed',
  };
  if (!wire || !items.some((r) => r.status === 'conditional')) return whole;
  return tripping(whole, new Set(['changed', 'failed']), name, wire);
}
