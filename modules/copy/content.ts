// What every module that writes a whole file shares (copy, template, lineinfile, blockinfile, replace, cron...):
// planFileContent, whatever produces the wanted bytes, one plan writes them atomically with owner, group, mode,
// validate and backup; the facts it reads (fileContentFacts) and the arguments' schemas.
import { createHash } from 'node:crypto';
import { ownerFacts, ownerIds, requireOwner } from '../../facts/accounts.ts';
import { type FileContent, type FileState, MAX_CONTENT_BYTES, ancestors, fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import { type Change, type FactDef, type Facts, type FileDiff, type Step, readOnly } from '../../engine/module.ts';
import { modeSchema, resolveMode } from '../file-mode.ts';
import { attributeChanges, modeFacts, umaskOf } from '../file/attrs.ts';

/**
 * How planFileContent writes: `makeParents`, making the directories missing on the way (lineinfile's create);
 * `parentReady`, the directory is made by an earlier change of the same task (copy of a directory); `now`, what
 * is at dest when it was reached through a symlink (copy's follow); `replaceLink`, a symlink at dest is replaced
 * by the file (copy's follow: false) rather than refused.
 */
export type WriteOptions = { makeParents?: boolean; parentReady?: boolean; now?: FileState; replaceLink?: boolean };

/** What a written file should look like besides its content, and how to write it. */
export type FileContentAttrs = { owner?: string; group?: string; mode?: string | number; validate?: string; backup?: boolean;
  /** copy's and template's force: false leaves a file that exists as it is, content and attributes (as Ansible's copy). */
  force?: boolean };

/**
 * The facts planFileContent reads: what is at `dest` (with its hash), its text, the directory it goes in, and the
 * owner and group it is given. The text is lazy: read from the host only when the hashes differ and a diff is to
 * be shown; `eager` when the plan needs it anyway (lineinfile edits it).
 */
export function fileContentFacts(dest: string, o: { eager?: boolean; owner?: string; group?: string; mode?: string | number; parents?: boolean } = {}): FactDef[] {
  // With `parents` (create: true of lineinfile, blockinfile), every directory above it: those missing are made.
  const dirs = o.parents ? ancestors(dest) : parentDir(dest) !== '/' ? [parentDir(dest)] : [];
  return [fileFact(dest), fileContentFact(dest, { lazy: !o.eager }), ...dirs.map((d) => readOnly(fileFact(d))), ...ownerFacts(o), ...modeFacts(o)];
}

/** Shared argument schemas of the modules that write a whole file. */
export const fileContentProperties = {
  owner: { type: 'string', minLength: 1 },
  group: { type: 'string', minLength: 1 },
  mode: modeSchema,
  validate: {
    type: 'string',
    pattern: '%s',
    description: 'a command with %s where the file to check goes, like "nginx -t -c %s"',
  },
  backup: { type: 'boolean', default: false },
} as const;

/** copy's and template's `force` (default true): false writes the file only where none is. */
export const forceProperty = { force: { type: 'boolean', default: true, description: 'false: write only if the file is not there' } } as const;

export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Why a content cannot be shown as text, or undefined when it can. */
function hiddenBecause(bytes: Buffer): string | undefined {
  if (bytes.length > MAX_CONTENT_BYTES) return `larger than ${MAX_CONTENT_BYTES / 1024} KiB: not shown`;
  if (bytes.includes(0) || Buffer.from(bytes.toString('utf8'), 'utf8').compare(bytes) !== 0) return 'binary content: not shown';
  return undefined;
}

/**
 * The changes that make `dest` a regular file holding `content` with the given attributes:
 * [] when it already does; an attribute change when only owner, group or mode differ; otherwise
 * one atomic write with its diff. `detail` is added to the summary of a write ("replace line 3").
 */
export function planFileContent(dest: string, content: string | Buffer, attrs: FileContentAttrs, facts: Facts, detail?: string,
  o: WriteOptions = {}): Change[] {
  const fileDef = fileFact(dest);
  const contentDef = fileContentFact(dest, { lazy: true });
  const was = o.now ?? facts.get(fileDef);
  if (attrs.force === false && was.state !== 'absent') return [];
  if (dest.endsWith('/')) throw new Error(`${dest} ends in "/": name the file to write, not its directory`);
  if (was.state === 'directory') throw new Error(`${dest} is a directory: name the file to write inside it`);
  if (was.state === 'link' && !o.replaceLink) throw new Error(`${dest} is a symlink (-> ${was.target}): write to its target, or remove the link first`);
  // A symlink replaced by the file (copy's follow: false): what is written is new, owner and mode as a new file's.
  const now: FileState = was.state === 'link' ? { state: 'absent' } : was;
  if (now.state === 'other') throw new Error(`${dest} exists and is not a regular file`);

  requireOwner(attrs, facts, 'write');
  // Directories to make first (lineinfile's and blockinfile's create, as Ansible's os.makedirs), nearest last.
  let missing: string[] = [];
  if (now.state === 'absent' && !o.parentReady && parentDir(dest) !== '/' && facts.get(fileFact(parentDir(dest))).state !== 'directory') {
    // As Ansible's copy: a file is written into a directory that is there, never one made on the way.
    if (!o.makeParents) throw new Error(`the destination directory ${parentDir(dest)} does not exist (create it first, e.g. file: { path: ${parentDir(dest)}, state: directory })`);
    missing = ancestors(dest).filter((d) => facts.get(fileFact(d)).state !== 'directory');
    const blocked = missing.find((d) => facts.get(fileFact(d)).state !== 'absent');
    if (blocked) throw new Error(`${blocked} is in the way of ${dest}: it exists and is not a directory`);
  }
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const fileKey = fileDef.key;

  if (now.state === 'file' && now.sha256 === sha256) {
    const attrsChange = attributeChanges(dest, now, { ...attrs, ...ownerIds(attrs, facts), ...umaskOf(attrs, facts) });
    if (attrsChange.steps.length === 0) return [];
    return [{ summary: `${dest}: ${attrsChange.notes.join(', ')}`, steps: attrsChange.steps, effects: [{ key: fileKey, value: attrsChange.after }] }];
  }

  const fresh = now.state === 'absent';
  const base: FileState = fresh ? { state: 'file', mode: '0644', owner: 'root', group: 'root' } : now;
  const umask = umaskOf(attrs, facts);
  const notes = attributeChanges(dest, base, { ...attrs, ...umask }, { fresh }).notes;
  const mode = attrs.mode !== undefined ? resolveMode(attrs.mode, { mode: base.mode, directory: false }, umask.umask) : fresh ? '0644' : undefined;
  const write: Extract<Step, { write: unknown }>['write'] = { path: dest, content };
  if (mode) write.mode = mode;
  if (attrs.owner) write.owner = attrs.owner;
  if (attrs.group) write.group = attrs.group;
  if (attrs.validate) write.validate = attrs.validate;
  if (attrs.backup && !fresh) write.backup = true;

  const before: FileContent = fresh ? { exists: false } : o.now ? { exists: true, note: `${dest}, reached through a symlink: not shown` } : facts.get(contentDef);
  const hidden = hiddenBecause(bytes);
  // Content not shown is never made a string (a large source would be decoded whole for nothing).
  const diff: FileDiff = before.note || hidden
    ? { path: dest, before: null, after: null, note: before.note ?? hidden }
    : { path: dest, before: before.exists ? before.text ?? null : null, after: bytes.toString('utf8') };
  const afterContent: FileContent = hidden ? { exists: true, note: hidden } : { exists: true, text: bytes.toString('utf8') };

  const head = fresh ? `write ${dest} (${humanSize(bytes.length)})${was.state === 'link' ? ` (was a symlink -> ${was.target})` : ''}` : `update ${dest}`;
  const made = missing.length ? `making ${missing.at(-1)}${missing.length > 1 ? ' and below' : ''}` : undefined;
  return [{
    summary: [detail ? `${head}: ${detail}` : head, ...notes, ...(made ? [made] : [])].join(', '),
    diff,
    steps: [...(missing.length ? [{ exec: ['mkdir', '-p', '--', parentDir(dest)] }] : []), { write }],
    effects: [
      // Made with the host's umask and the task's user: what they are like is read again, not guessed.
      ...missing.map((d) => ({ key: fileFact(d).key, unknown: true as const })),
      {
        key: fileKey,
        value: {
          state: 'file', mode: mode ?? base.mode, owner: attrs.owner ?? base.owner, group: attrs.group ?? base.group,
          size: bytes.length, sha256,
        } satisfies FileState,
      },
      { key: contentDef.key, value: afterContent },
    ],
  }];
}

