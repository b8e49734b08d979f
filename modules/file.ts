// file: a path's kind (file, directory, link, absent, touch) and its owner, group and mode.
import { ownerFacts, ownerIds, requireOwner } from '../facts/accounts.ts';
import { type FileState, fileContentFact, fileFact, parentDir } from '../facts/files.ts';
import { type Change, type Effect, type FactDef, type Facts, type Step, defineModule, readOnly } from '../engine/module.ts';
import { modeSchema, needsUmask, resolveMode, umaskFact } from './file-mode.ts';

export type FileArgs = {
  path: string;
  state?: 'file' | 'directory' | 'absent' | 'link' | 'touch';
  src?: string;
  owner?: string;
  group?: string;
  mode?: string | number;
};

/**
 * Owner, group and mode wanted; `uid`/`gid`: the owner's and group's numbers when known, compared before names;
 * `umask`: the host's, known when a symbolic mode needs it (umaskOf).
 */
export type Attrs = { owner?: string; group?: string; mode?: string | number; uid?: number; gid?: number; umask?: number };

/** The umask fact, when a symbolic mode obeys it ("+x"). */
export const modeFacts = (a: { mode?: string | number }): FactDef[] => (needsUmask(a.mode) ? [umaskFact] : []);
/** The host's umask, when the mode needs it. */
export const umaskOf = (a: { mode?: string | number }, facts: Facts): { umask?: number } => (needsUmask(a.mode) ? { umask: facts.get(umaskFact) } : {});

/** The steps and summaries that bring owner, group and mode of `path` from `now` to `want`. */
export function attributeChanges(path: string, now: FileState, want: Attrs, opts: { isLink?: boolean; fresh?: boolean } = {}): { steps: Step[]; notes: string[]; after: FileState } {
  const steps: Step[] = [];
  const notes: string[] = [];
  const after = { ...now };
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
  }
  const mode = want.mode !== undefined && !opts.isLink ? resolveMode(want.mode, { mode: now.mode, directory: now.state === 'directory' }, want.umask) : undefined;
  if (mode && !opts.isLink && mode !== now.mode) {
    steps.push({ exec: ['chmod', mode, '--', path] });
    notes.push(`mode ${mode}${opts.fresh ? '' : ` (was ${now.mode})`}`);
    after.mode = mode;
  }
  return { steps, notes, after };
}

/** The directories a path needs on the way (not "/"): all of them for a directory, the parent for a new file or link. */
function ancestors(a: FileArgs): string[] {
  const state = a.state ?? 'file';
  if (state === 'absent' || state === 'file') return [];
  const out: string[] = [];
  for (let d = parentDir(a.path); d !== '/'; d = parentDir(d)) out.unshift(d);
  return state === 'directory' ? out : out.slice(-1);
}

export default defineModule<FileArgs>({
  name: 'file',
  fqcn: ['ansible.builtin.file', 'ansible.legacy.file'],
  aliases: { dest: 'path', name: 'path' },
  description: 'Ensure a path is a file, directory or symlink, or absent; set owner, group and mode.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'an absolute path' },
      state: { enum: ['file', 'directory', 'absent', 'link', 'touch'], default: 'file' },
      src: { type: 'string', minLength: 1 },
      owner: { type: 'string', minLength: 1 },
      group: { type: 'string', minLength: 1 },
      mode: modeSchema,
    },
    if: { required: ['state'], properties: { state: { const: 'link' } } },
    then: { required: ['src'] },
  },
  facts: (a) => [fileFact(a.path), ...ancestors(a).map((d) => (a.state === 'directory' ? fileFact(d) : readOnly(fileFact(d)))), ...(a.state === 'absent' ? [] : [...ownerFacts(a), ...modeFacts(a)])],
  plan(a, facts) {
    const now = facts.get(fileFact(a.path));
    const state = a.state ?? 'file';
    const made: Effect[] = [];
    const effects = (after: FileState): Effect[] => [{ key: fileFact(a.path).key, value: after }, ...made];
    if (state !== 'absent') requireOwner(a, facts, 'file');
    if (state === 'absent') {
      if (now.state === 'absent') return [];
      return [{
        summary: `remove ${now.state} ${a.path}`,
        steps: [{ exec: ['rm', '-rf', '--', a.path] }],
        effects: [...effects({ state: 'absent' }), { key: fileContentFact(a.path).key, value: { exists: false } }],
      }];
    }
    const steps: Step[] = [];
    const notes: string[] = [];
    let base: FileState = now;
    if (now.state === 'absent' && (state === 'touch' || state === 'link')) {
      const dir = parentDir(a.path);
      if (dir !== '/' && facts.get(fileFact(dir)).state !== 'directory') throw new Error(`${a.path}: the directory ${dir} does not exist`);
    }
    if (state === 'directory') {
      if (now.state === 'absent') {
        // mkdir -p makes the missing directories on the way, as Ansible's file does: they are facts too.
        for (const dir of ancestors(a)) {
          const d = facts.get(fileFact(dir));
          if (d.state === 'absent') made.push({ key: fileFact(dir).key, value: { state: 'directory', mode: '0755', owner: 'root', group: 'root' } });
          else if (d.state !== 'directory') throw new Error(`${a.path}: ${dir} is a ${d.state}, not a directory`);
        }
        steps.push({ exec: ['mkdir', '-p', '--', a.path] });
        notes.push(`create directory ${a.path}`);
        base = { state: 'directory', mode: '0755', owner: 'root', group: 'root' };
      } else if (now.state !== 'directory') {
        throw new Error(`${a.path} exists and is a ${now.state}, not a directory`);
      }
    } else if (state === 'file') {
      if (now.state === 'absent') throw new Error(`${a.path} does not exist (state: file never creates one: use touch or copy)`);
      if (now.state !== 'file') throw new Error(`${a.path} is a ${now.state}, not a file`);
    } else if (state === 'touch') {
      if (now.state === 'absent') {
        steps.push({ exec: ['touch', '--', a.path] });
        notes.push(`create empty file ${a.path}`);
        base = { state: 'file', mode: '0644', owner: 'root', group: 'root', size: 0,
          sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };
      }
    } else if (state === 'link') {
      if (now.state === 'directory') throw new Error(`${a.path} is a directory: refusing to replace it with a link`);
      if (now.state !== 'link' || now.target !== a.src) {
        steps.push({ exec: ['ln', '-sfn', '--', a.src!, a.path] });
        notes.push(`link ${a.path} -> ${a.src}${now.state === 'link' ? ` (was -> ${now.target})` : ''}`);
        base = { state: 'link', target: a.src, owner: 'root', group: 'root', mode: '0777' };
      }
    }
    const attrs = attributeChanges(a.path, base, { ...a, ...ownerIds(a, facts), ...umaskOf(a, facts) }, { isLink: state === 'link', fresh: base !== now });
    steps.push(...attrs.steps);
    if (steps.length === 0) return [];
    const summary = notes.length ? [notes.join(', '), ...attrs.notes].join(', ') : `${a.path}: ${attrs.notes.join(', ')}`;
    const change: Change = { summary, steps, effects: effects(attrs.after) };
    return [change];
  },
});
