// file: a path's kind (file, directory, symlink, hard link, absent, touch), its owner, group and mode (with recurse,
// of everything below a directory) and its times, as Ansible's file module does them. Links: links.ts; recurse:
// recurse.ts; owner, group, mode and times of one path: attrs.ts.
import { ownerFacts, ownerIds, requireOwner } from '../../facts/accounts.ts';
import { type FileState, fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import { type Change, type Effect, type FactDef, type Facts, type FileDiff, type Step, defineModule, readOnly } from '../../engine/module.ts';
import { modeSchema } from '../file-mode.ts';
import { type Shown, type TimeWant, attributeChanges, modeFacts, timeChanges, umaskOf } from './attrs.ts';
import { ansibleState, fileDiff, initialDiff, removedDirRead, withShown } from './diff.ts';
import { epochFact, followFact, inodeFact, timesFact, treeFact } from './facts.ts';
import { absSrc, emptyDirFact, followed, planHardlink, planSymlink } from './links.ts';
import { planRecurse } from './recurse.ts';
import { localTime } from './strptime.ts';

type State = 'file' | 'directory' | 'absent' | 'link' | 'hard' | 'touch';
export type FileArgs = {
  path: string; state?: State; src?: string; owner?: string; group?: string; mode?: string | number;
  recurse?: boolean; force?: boolean; follow?: boolean;
  modification_time?: string; modification_time_format?: string; access_time?: string; access_time_format?: string;
};

/** The directories a path needs on the way (not "/"): all of them for a directory, the parent for a new file or link. */
function ancestors(a: FileArgs): string[] {
  const state = a.state ?? (a.recurse ? 'directory' : 'file');
  if (state === 'absent' || state === 'file') return [];
  const out: string[] = [];
  for (let d = parentDir(a.path); d !== '/'; d = parentDir(d)) out.unshift(d);
  return state === 'directory' ? out : out.slice(-1);
}

/** A time argument as Ansible reads it: preserve, now, or a local time for the host to make an epoch of. */
function timeArg(a: FileArgs, which: 'modification' | 'access', state: State | undefined): 'preserve' | 'now' | string {
  const v = a[`${which}_time`] ?? (state === 'touch' ? 'now' : 'preserve');
  return v === 'preserve' || v === 'now' ? v : localTime(v, a[`${which}_time_format`] ?? '%Y%m%d%H%M.%S');
}
const timeFacts = (a: FileArgs): FactDef[] => {
  // A time its format cannot read asks for nothing: the plan refuses it.
  const read = (which: 'modification' | 'access') => {
    try {
      return timeArg(a, which, a.state);
    } catch {
      return 'preserve';
    }
  };
  const given = [read('modification'), read('access')].filter((t) => t !== 'now' && t !== 'preserve');
  return given.length ? [timesFact(a.path), ...given.map(epochFact)] : [];
};
function timesWanted(a: FileArgs, state: State, facts: Facts): { mtime: TimeWant; atime: TimeWant } {
  const one = (which: 'modification' | 'access'): TimeWant => {
    const t = timeArg(a, which, state);
    if (t === 'now' || t === 'preserve') return t;
    const epoch = facts.get(epochFact(t));
    if (epoch === undefined) throw new Error(`Error while obtaining timestamp for time ${a[`${which}_time`]}: the host cannot read ${t}`);
    return epoch;
  };
  return { mtime: one('modification'), atime: one('access') };
}

/**
 * The diff of a change (diff.ts), and Ansible's check mode's where it differs (`check`: its sides; null: none at all):
 * the change with both, as Change's diff and checkDiff.
 */
function withDiff(c: Change, path: string, shown: Shown, check?: Shown | null): Change {
  const diff = fileDiff(path, shown);
  const inCheck = check === undefined ? undefined : check === null ? null : fileDiff(path, check) ?? null;
  return { ...c, ...(diff ? { diff } : {}), ...(inCheck !== undefined ? { checkDiff: inCheck as FileDiff | null } : {}) };
}

/** Whether Ansible reports the task changed on every run: touch, a time set to now. */
const mayAlwaysChange = (a: FileArgs) => a.state === 'touch' || a.modification_time === 'now' || a.access_time === 'now';

export default defineModule<FileArgs>({
  name: 'file',
  fqcn: ['ansible.builtin.file', 'ansible.legacy.file'],
  aliases: { dest: 'path', name: 'path' },
  description: 'Ensure a path is a file, directory, symlink or hard link, or absent; set owner, group, mode (recursively) and times.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'an absolute path' },
      state: { enum: ['file', 'directory', 'absent', 'link', 'hard', 'touch'], description: 'default: what the path is, or file (directory with recurse)' },
      src: { type: 'string', minLength: 1, description: 'what a link leads to (state: link or hard)' },
      owner: { type: 'string', minLength: 1 },
      group: { type: 'string', minLength: 1 },
      mode: modeSchema,
      recurse: { type: 'boolean', default: false, description: 'owner, group, mode and times of everything below the directory too' },
      force: { type: 'boolean', default: false, description: 'a link replaces a file (or an empty directory) there, and may lead nowhere' },
      follow: { type: 'boolean', default: true, description: 'owner, group, mode and times go to what a symlink leads to' },
      modification_time: { type: 'string', minLength: 1, description: 'preserve, now, or a time in modification_time_format' },
      modification_time_format: { type: 'string', minLength: 1, default: '%Y%m%d%H%M.%S' },
      access_time: { type: 'string', minLength: 1, description: 'preserve, now, or a time in access_time_format' },
      access_time_format: { type: 'string', minLength: 1, default: '%Y%m%d%H%M.%S' },
    },
    allOf: [
      { if: { required: ['state'], properties: { state: { enum: ['link', 'hard'] } } }, then: { required: ['src'] } },
      { if: { required: ['state'], properties: { state: { const: 'hard' } } }, then: { properties: { src: { type: 'string', pattern: '^/', description: 'an absolute path (state: hard)' } } } },
    ],
  },
  facts(a) {
    const state = a.state;
    const link = state === 'link' ? [fileFact(absSrc(a)), followFact(absSrc(a)), emptyDirFact(a.path)] : [];
    const hard = state === 'hard' ? [fileFact(a.src!), followFact(a.src!), inodeFact(a.src!), inodeFact(a.path)] : [];
    const up = ancestors(a).map((d) => (state === 'directory' || (!state && a.recurse) ? fileFact(d) : readOnly(fileFact(d))));
    const rest = state === 'absent' ? [] : [followFact(a.path), ...ownerFacts(a), ...modeFacts(a), ...timeFacts(a), ...(a.recurse ? [treeFact(a.path)] : [])];
    return [fileFact(a.path), ...up, ...link, ...hard, ...rest];
  },
  plan(a, facts) {
    const now = facts.get(fileFact(a.path));
    const state: State = a.state ?? (now.state === 'absent' ? (a.recurse ? 'directory' : 'file') : now.state === 'directory' ? 'directory' : now.state === 'link' ? 'link' : 'file');
    if (a.recurse && state !== 'directory') throw new Error(`recurse option requires state to be 'directory'`);
    if (a.src !== undefined && state !== 'link' && state !== 'hard') throw new Error(`src option requires state to be 'link' or 'hard'`);
    if ((state === 'link' || state === 'hard') && (a.modification_time ?? 'preserve') !== 'preserve' || (state === 'link' || state === 'hard') && (a.access_time ?? 'preserve') !== 'preserve') {
      throw new Error(`modification_time and access_time with state: ${state} are not supported: set them on what the link leads to`);
    }
    if (state === 'absent') {
      if (now.state === 'absent') return [];
      const shown = initialDiff(a.path, 'absent', ansibleState(now));
      return [withDiff({
        summary: `remove ${now.state} ${a.path}`,
        steps: [{ exec: ['rm', '-rf', '--', a.path] }],
        effects: [{ key: fileFact(a.path).key, value: { state: 'absent' } }, { key: fileContentFact(a.path).key, value: { exists: false } }],
        ...(now.state === 'directory' ? { diffRead: removedDirRead(a.path, shown) } : {}),
      }, a.path, shown)];
    }
    requireOwner(a, facts, 'file');
    const want = { ...a, ...ownerIds(a, facts), ...umaskOf(a, facts) };
    const summary = (notes: string[]) => (/^(create|link|hard link|remove)/.test(notes[0] ?? '') ? notes.join(', ') : `${a.path}: ${notes.join(', ')}`);
    if (state === 'link' || state === 'hard') {
      if (state === 'link' && a.src === undefined) {
        // The link as it is (Ansible reads its src back): owner, group and mode go where it leads when followed.
        if (now.state !== 'link') throw new Error('src is required for creating new symlinks');
        const to = followed(a.path, facts);
        if (a.follow !== false && to.state.state === 'absent') return [];
        const at = a.follow !== false ? to : { real: a.path, state: now };
        const p = attributeChanges(at.real, at.state, want, { isLink: at.state.state === 'link' });
        if (!p.steps.length) return [];
        return [withDiff({ summary: summary(p.notes), steps: p.steps, effects: [{ key: fileFact(at.real).key, value: p.after }] }, a.path, withShown(initialDiff(a.path, 'link', 'link'), p.shown))];
      }
      const p = state === 'link' ? planSymlink(a, now, want, facts) : planHardlink(a, now, want, facts);
      if (!p.steps.length) return [];
      return [withDiff({ summary: summary(p.notes), steps: p.steps, effects: p.effects }, a.path, p.shown, p.checkShown)];
    }
    // Following a symlink (the default), what it leads to is what gets the state's checks, owner, group, mode and times.
    const follow = a.follow !== false && now.state === 'link';
    const target = follow ? followed(a.path, facts) : { real: a.path, state: now };
    const path = target.real;
    const here = target.state;
    const steps: Step[] = [];
    const notes: string[] = [];
    const made: Effect[] = [];
    let base: FileState = here;
    let fresh = false;
    if (state === 'directory') {
      if (here.state === 'absent') {
        if (follow) throw new Error(`${a.path} is a symlink to ${path}, which does not exist: making it through the link is not supported`);
        // Each directory made on the way gets owner, group and mode, as Ansible's file makes them one by one.
        const chain = [...ancestors(a).filter((d) => {
          const st = facts.get(fileFact(d)).state;
          if (st !== 'absent' && st !== 'directory') throw new Error(`${a.path}: ${d} is a ${st}, not a directory`);
          return st === 'absent';
        }), a.path];
        steps.push({ exec: ['mkdir', '-p', '--', a.path] });
        notes.push(`create directory ${a.path}`);
        base = { state: 'directory', mode: '0755', owner: 'root', group: 'root' };
        fresh = true;
        for (const d of chain.slice(0, -1)) {
          const attrs = attributeChanges(d, base, want, { fresh: true });
          steps.push(...attrs.steps);
          made.push({ key: fileFact(d).key, value: attrs.after });
        }
      } else if (here.state !== 'directory') {
        throw new Error(`${path} exists and is a ${here.state}, not a directory`);
      }
    } else if (state === 'file') {
      if (here.state === 'absent') throw new Error(follow ? `file (${path}) is absent, cannot continue` : `${a.path} does not exist (state: file never creates one: use touch or copy)`);
      if (here.state !== 'file' && here.state !== 'other') throw new Error(`file (${path}) is ${here.state}, cannot continue`);
    } else if (here.state === 'absent') {
      const dir = parentDir(path);
      if (dir !== '/' && !follow && facts.get(fileFact(dir)).state !== 'directory') throw new Error(`${a.path}: the directory ${dir} does not exist`);
      steps.push({ exec: ['touch', '--', path] });
      notes.push(`create empty file ${path}`);
      base = { state: 'file', mode: '0644', owner: 'root', group: 'root', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };
      fresh = true;
    }
    const attrs = attributeChanges(path, base, want, { isLink: here.state === 'link', fresh });
    steps.push(...attrs.steps);
    notes.push(...attrs.notes);
    const times = timesWanted(a, state, facts);
    const t = fresh && state === 'touch' && times.mtime === 'now' && times.atime === 'now' ? { steps: [], notes: [], always: true, after: undefined }
      : timeChanges(path, times, fresh ? { atime: Number.NaN, mtime: Number.NaN } : timeFacts(a).length ? facts.get(timesFact(a.path)) : undefined);
    steps.push(...t.steps);
    notes.push(...t.notes);
    const effects: Effect[] = [{ key: fileFact(path).key, value: attrs.after }, ...made];
    if (follow) effects.push({ key: followFact(a.path).key, value: { real: path, state: attrs.after } });
    if (timeFacts(a).length) effects.push(t.after ? { key: timesFact(a.path).key, value: t.after } : { key: timesFact(a.path).key, unknown: true });
    let always = t.always;
    if (a.recurse) {
      const r = planRecurse(path, facts.get(treeFact(a.path)), want, times, a.follow !== false);
      steps.push(...r.steps);
      notes.push(...r.notes);
      effects.push(...r.effects);
      always ||= r.always;
    }
    if (steps.length === 0 && !always) return [];
    if (!notes.length) notes.push('reported changed every run, as Ansible does');
    // As Ansible's diff: touch names the path as given (it does not follow a link), the other states what they act on;
    // in check mode a directory or file not made yet shows no attributes (a new file touched: no diff at all).
    const shownPath = state === 'touch' ? a.path : path;
    const initial = initialDiff(shownPath, state, ansibleState(state === 'touch' ? now : here));
    const check = !fresh ? undefined : state === 'touch' ? null : initial;
    return [withDiff({ summary: summary(notes), steps, effects }, shownPath, withShown(initial, attrs.shown), check)];
  },
  verifiable: (a) => !mayAlwaysChange(a),
});
