// Owner, group and mode of one path as Ansible's set_fs_attributes_if_different sets them, and its access and
// modification times as the file module's update_timestamp_for_file sets them (preserve, now, or a given time).
import type { FileState } from '../../facts/files.ts';
import type { FactDef, Facts, Step } from '../../engine/module.ts';
import { needsUmask, resolveMode, umaskFact } from '../file-mode.ts';

/**
 * Owner, group and mode wanted; `uid`/`gid`: the owner's and group's numbers when known, compared before names;
 * `umask`: the host's, known when a symbolic mode needs it (umaskOf).
 */
export type Attrs = { owner?: string; group?: string; mode?: string | number; uid?: number; gid?: number; umask?: number };

/** The umask fact, when a symbolic mode obeys it ("+x"). */
export const modeFacts = (a: { mode?: string | number }): FactDef[] => (needsUmask(a.mode) ? [umaskFact] : []);
/** The host's umask, when the mode needs it. */
export const umaskOf = (a: { mode?: string | number }, facts: Facts): { umask?: number } => (needsUmask(a.mode) ? { umask: facts.get(umaskFact) } : {});

/** What --diff shows of a path on each side, as Ansible's file module collects it (keys of its diff's before and after). */
export type Shown = { before: Record<string, unknown>; after: Record<string, unknown> };

/** A mode as set_mode_if_different writes it in a diff: '0%03o' of its number ("0644", "04755"). */
const diffMode = (mode: string) => `0${parseInt(mode, 8).toString(8).padStart(3, '0')}`;

/**
 * The steps and summaries that bring owner, group and mode of `path` from `now` to `want`. A symlink (`isLink`)
 * is chowned itself (chown -h); its mode is left: Ansible's chmod through it puts back what it leads to, and its
 * mode, read again, has not moved (no change). `shown`: what set_fs_attributes_if_different adds to the diff, the
 * owner and group as numbers, the mode as '0%03o'.
 */
export function attributeChanges(path: string, now: FileState, want: Attrs, opts: { isLink?: boolean; fresh?: boolean } = {}):
  { steps: Step[]; notes: string[]; after: FileState; shown: Shown } {
  const steps: Step[] = [];
  const notes: string[] = [];
  const after = { ...now };
  const shown: Shown = { before: {}, after: {} };
  const show = (key: string, was: unknown, is: unknown) => {
    if (was === undefined || is === undefined) return;
    shown.before[key] = was;
    shown.after[key] = is;
  };
  // By number where both are known: a file whose uid was renamed (a user re-made with it) is already right.
  const differs = (name: string | undefined, had: string | undefined, id: number | undefined, hadId: number | undefined) =>
    name !== undefined && (id !== undefined && hadId !== undefined ? id !== hadId : name !== had);
  const owner = differs(want.owner, now.owner, want.uid, now.uid) ? want.owner : undefined;
  const group = differs(want.group, now.group, want.gid, now.gid) ? want.group : undefined;
  if (owner || group) {
    const spec = `${owner ?? ''}${group ? `:${group}` : ''}`;
    steps.push({ exec: opts.isLink ? ['chown', '-h', spec, '--', path] : ['chown', spec, '--', path] });
    notes.push(`owner ${want.owner ?? now.owner}:${want.group ?? now.group}${opts.fresh ? '' : ` (was ${now.owner}:${now.group})`}`);
    if (owner) Object.assign(after, { owner, uid: want.uid });
    if (group) Object.assign(after, { group, gid: want.gid });
    // A path just made is root's (its uid and gid not read yet).
    if (owner) show('owner', now.uid ?? (opts.fresh ? 0 : undefined), want.uid);
    if (group) show('group', now.gid ?? (opts.fresh ? 0 : undefined), want.gid);
  }
  if (want.mode === undefined || opts.isLink) return { steps, notes, after, shown };
  const mode = resolveMode(want.mode, { mode: now.mode, directory: now.state === 'directory' }, want.umask);
  if (mode !== now.mode) {
    steps.push({ exec: ['chmod', mode, '--', path] });
    notes.push(`mode ${mode}${opts.fresh ? '' : ` (was ${now.mode})`}`);
    after.mode = mode;
    if (now.mode !== undefined) show('mode', diffMode(now.mode), diffMode(mode));
  }
  return { steps, notes, after, shown };
}

/** One of modification_time and access_time: keep it, set it to now, or set it to this epoch (seconds). */
export type TimeWant = 'preserve' | 'now' | number;
/** A path's access and modification times, seconds with their fraction (as os.stat gives them). */
export type Times = { atime: number; mtime: number };

/**
 * The steps that set `path`'s times (following a link, as os.utime does), or none when they already are what is
 * asked; `always` when one is `now` (Ansible reports that changed every run). `now` is the path's times when read.
 */
export function timeChanges(path: string, want: { mtime: TimeWant; atime: TimeWant }, now: Times | undefined):
  { steps: Step[]; notes: string[]; always: boolean; after?: Times } {
  const { mtime, atime } = want;
  if (mtime === 'preserve' && atime === 'preserve') return { steps: [], notes: [], always: false, after: now };
  if (mtime === 'now' && atime === 'now') return { steps: [{ exec: ['touch', '--', path] }], notes: [`times of ${path} set to now`], always: true };
  if (!now && (typeof mtime === 'number' || typeof atime === 'number')) throw new Error(`${path}: its times were not read`);
  const steps: Step[] = [];
  const notes: string[] = [];
  const set = (flag: '-m' | '-a', w: TimeWant, had: number | undefined, what: string) => {
    if (w === 'preserve' || w === had) return;
    steps.push({ exec: w === 'now' ? ['touch', flag, '--', path] : ['touch', flag, '-d', `@${w}`, '--', path] });
    notes.push(`${what} ${w === 'now' ? 'now' : new Date(w * 1000).toISOString()}`);
  };
  set('-m', mtime, now?.mtime, 'modification time');
  set('-a', atime, now?.atime, 'access time');
  const always = mtime === 'now' || atime === 'now';
  const after = always || !now ? undefined : { mtime: typeof mtime === 'number' ? mtime : now.mtime, atime: typeof atime === 'number' ? atime : now.atime };
  return { steps, notes, always, after };
}
