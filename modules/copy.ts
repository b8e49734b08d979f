// copy: a file's whole content (given inline or read from a local file), and its owner, group and mode.
// planFileContent is shared by template and lineinfile: whatever produces the wanted bytes, one plan writes them.
import { createHash } from 'node:crypto';
import { pyJson, pyStr } from '../engine/vars/python.ts';
import { ownerFacts, ownerIds, requireOwner } from '../facts/accounts.ts';
import { type FileContent, type FileState, MAX_CONTENT_BYTES, ancestors, fileContentFact, fileFact, parentDir } from '../facts/files.ts';
import { type Change, type FactDef, type Facts, type FileDiff, type Step, defineModule, readOnly } from '../engine/module.ts';
import { MAX_COPY_SOURCE } from '../engine/local-files.ts';
import { modeSchema, resolveMode, sourceModeSchema } from './file-mode.ts';
import { attributeChanges, modeFacts, umaskOf } from './file.ts';

/** What a written file should look like besides its content, and how to write it. */
export type FileContentAttrs = { owner?: string; group?: string; mode?: string | number; validate?: string; backup?: boolean;
  /** copy's and template's force: false leaves a file that exists as it is, content and attributes (as Ansible's copy). */
  force?: boolean };

export type CopyArgs = FileContentAttrs & { dest: string; content?: string | number | boolean | object; src?: string };

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
  o: { makeParents?: boolean } = {}): Change[] {
  const fileDef = fileFact(dest);
  const contentDef = fileContentFact(dest, { lazy: true });
  const now = facts.get(fileDef);
  if (attrs.force === false && now.state !== 'absent') return [];
  if (dest.endsWith('/')) throw new Error(`${dest} ends in "/": name the file to write, not its directory`);
  if (now.state === 'directory') throw new Error(`${dest} is a directory: name the file to write inside it`);
  if (now.state === 'link') throw new Error(`${dest} is a symlink (-> ${now.target}): write to its target, or remove the link first`);
  if (now.state === 'other') throw new Error(`${dest} exists and is not a regular file`);

  requireOwner(attrs, facts, 'write');
  // Directories to make first (lineinfile's and blockinfile's create, as Ansible's os.makedirs), nearest last.
  let missing: string[] = [];
  if (now.state === 'absent' && parentDir(dest) !== '/' && facts.get(fileFact(parentDir(dest))).state !== 'directory') {
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

  const before: FileContent = fresh ? { exists: false } : facts.get(contentDef);
  const hidden = hiddenBecause(bytes);
  // Content not shown is never made a string (a large source would be decoded whole for nothing).
  const diff: FileDiff = before.note || hidden
    ? { path: dest, before: null, after: null, note: before.note ?? hidden }
    : { path: dest, before: before.exists ? before.text ?? null : null, after: bytes.toString('utf8') };
  const afterContent: FileContent = hidden ? { exists: true, note: hidden } : { exists: true, text: bytes.toString('utf8') };

  const head = fresh ? `write ${dest} (${humanSize(bytes.length)})` : `update ${dest}`;
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

export default defineModule<CopyArgs>({
  name: 'copy',
  fqcn: ['ansible.builtin.copy', 'ansible.legacy.copy'],
  description: 'Write a whole file from inline `content` or a local `src` file (atomically, optionally validated and backed up); set owner, group and mode.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['dest'],
    properties: {
      dest: { type: 'string', minLength: 1, description: 'an absolute path' },
      // Text; a mapping or a list is written as JSON (json.dumps), a number or boolean as Python writes it, as Ansible's copy does.
      content: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object' }, { type: 'array' }], description: 'text (a mapping or list is written as JSON)' },
      src: { type: 'string', minLength: 1 },
      ...fileContentProperties,
      mode: sourceModeSchema,
      ...forceProperty,
    },
    // Exactly one of content and src.
    if: { required: ['content'] },
    then: { properties: { src: { type: 'null', description: 'left out when content is given (copy takes content or src, not both)' } } },
    else: { required: ['src'] },
  },
  facts: (a) => fileContentFacts(a.dest, a),
  plan(a, facts, ctx) {
    const given = a.content as unknown;
    const content = given === undefined ? ctx.readLocal(a.src!, { max: MAX_COPY_SOURCE, what: 'copy source' })
      : typeof given === 'string' ? given : typeof given === 'object' && given !== null ? pyJson(given) : pyStr(given);
    // preserve: the source's mode; inline content is first written to a private temporary file (0600) by Ansible's copy.
    const mode = a.mode === 'preserve' ? (given === undefined ? ctx.localMode(a.src!) : '0600') : a.mode;
    return planFileContent(a.dest, content, { ...a, mode }, facts);
  },
  localSources: (a) => (typeof a.src === 'string' ? [{ arg: 'src', path: a.src, kind: 'file', max: MAX_COPY_SOURCE, what: 'copy source' }] : []),
});
