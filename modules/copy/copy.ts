// copy: a file's whole content (inline, a local file, or with remote_src a file on the host), or a local directory
// copied recursively (tree.ts); its owner, group and mode; a symlink at dest followed or replaced (follow); the
// sha1 the content must have (checksum), as Ansible's copy action and module do them. The shared writer: content.ts.
import { createHash } from 'node:crypto';
import { pyJson, pyStr } from '../../engine/vars/python.ts';
import { ownerFacts } from '../../facts/accounts.ts';
import { type FileState, fileFact, parentDir } from '../../facts/files.ts';
import { type Change, type Facts, defineModule, readOnly } from '../../engine/module.ts';
import { MAX_COPY_SOURCE } from '../../engine/local-files.ts';
import { modeSchema, sourceModeSchema } from '../file-mode.ts';
import { modeFacts } from '../file/attrs.ts';
import { followFact } from '../file/facts.ts';
import { type FileContentAttrs, fileContentFacts, fileContentProperties, forceProperty, planFileContent } from './content.ts';
import { planRemoteCopy, remoteSourceFact } from './remote.ts';
import { planRemoteTree, remoteTreeFacts } from './remote-tree.ts';
import { planTree, treeFacts } from './tree.ts';

export type CopyArgs = FileContentAttrs & {
  dest: string; content?: string | number | boolean | object; src?: string;
  remote_src?: boolean; local_follow?: boolean; follow?: boolean; checksum?: string; directory_mode?: string | number;
};

const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');
const checksumFailure = (got: string, want: string) => new Error(`Copied file does not match the expected checksum. Transfer failed. (checksum ${got}, expected_checksum ${want})`);

/** dest as the copy reaches it: a symlink followed to what it leads to (follow), or replaced by the file. */
function reach(a: CopyArgs, facts: Facts): { dest: string; now?: FileState } {
  const at = facts.get(fileFact(a.dest));
  if (at.state !== 'link' || !a.follow) return { dest: a.dest };
  const to = facts.get(followFact(a.dest));
  return to.state.state === 'absent' ? { dest: a.dest } : { dest: to.real, now: to.state };
}

/** Written through the symlink at `link`: what it leads to is what the change leaves at `dest`. */
function through(link: string, dest: string, changes: Change[]): Change[] {
  return changes.map((c) => {
    const e = c.effects.find((x) => 'key' in x && x.key === fileFact(dest).key);
    return { ...c, effects: [...c.effects, e && 'value' in e ? { key: followFact(link).key, value: { real: dest, state: e.value } } : { key: followFact(link).key, unknown: true as const }] };
  });
}

export default defineModule<CopyArgs>({
  name: 'copy',
  fqcn: ['ansible.builtin.copy', 'ansible.legacy.copy'],
  description: 'Write a whole file from inline `content`, a local `src` file or one on the host (remote_src), or copy a local directory; set owner, group and mode.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['dest'],
    properties: {
      dest: { type: 'string', minLength: 1, description: 'an absolute path' },
      // Text; a mapping or a list is written as JSON (json.dumps), a number or boolean as Python writes it, as Ansible's copy does.
      content: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object' }, { type: 'array' }], description: 'text (a mapping or list is written as JSON)' },
      src: { type: 'string', minLength: 1, description: 'a local file or directory ("dir/": what is in it), or with remote_src a path on the host' },
      ...fileContentProperties,
      mode: sourceModeSchema,
      ...forceProperty,
      remote_src: { type: 'boolean', default: false, description: 'src is a file on the host' },
      local_follow: { type: 'boolean', default: true, description: 'symlinks in a local directory are copied as what they lead to' },
      follow: { type: 'boolean', default: false, description: 'a symlink at dest is followed (written through), not replaced' },
      checksum: { type: 'string', minLength: 1, description: 'the sha1 the copied content must have' },
      directory_mode: { ...modeSchema, description: 'the mode of directories a directory copy makes or copies' },
    },
    // Exactly one of content and src.
    if: { required: ['content'] },
    then: { properties: { src: { type: 'null', description: 'left out when content is given (copy takes content or src, not both)' } } },
    else: { required: ['src'] },
  },
  facts(a, ctx) {
    const follow = a.follow ? [followFact(a.dest)] : [];
    if (a.content === undefined && a.remote_src) {
      const up = parentDir(a.dest) !== '/' ? [readOnly(fileFact(parentDir(a.dest)))] : [];
      return [remoteSourceFact(a.src!), fileFact(a.dest), ...up, ...follow, ...ownerFacts(a), ...modeFacts(a), ...remoteTreeFacts(a.src!, a.dest)];
    }
    const tree = a.content === undefined ? ctx.localTree?.(a.src!, { follow: a.local_follow !== false }) : undefined;
    if (tree) return [...treeFacts(a, tree), ...ownerFacts(a), ...modeFacts(a), ...modeFacts({ mode: a.directory_mode })];
    return [...fileContentFacts(a.dest, a), ...follow];
  },
  plan(a, facts, ctx) {
    const given = a.content as unknown;
    if (given === undefined && a.remote_src) {
      const from = facts.get(remoteSourceFact(a.src!));
      if (from.state === 'absent') throw new Error(`Source ${a.src} not found`);
      if (from.state === 'directory') {
        if (a.checksum !== undefined) throw new Error('checksum with a directory src is not supported: it is the sha1 of one file');
        return planRemoteTree(a.src!, a.dest, { ...a, mode: a.mode === 'preserve' ? undefined : a.mode }, facts);
      }
      if (from.state !== 'file') throw new Error(`Cannot copy invalid source '${a.src}': not a file`);
      if (a.checksum !== undefined && from.sha1 !== a.checksum) throw checksumFailure(from.sha1!, a.checksum);
      const { dest, now } = reach(a, facts);
      const at = now ?? facts.get(fileFact(dest));
      const mode = a.mode === 'preserve' ? from.mode : a.mode;
      const parent = at.state === 'absent' && parentDir(dest) !== '/' ? fileFact(parentDir(dest)) : undefined;
      const changes = planRemoteCopy(a.src!, from, dest, at.state === 'link' ? { state: 'absent' } : at, { ...a, mode }, facts, parent);
      return now ? through(a.dest, dest, changes) : changes;
    }
    const tree = given === undefined ? ctx.localTree?.(a.src!, { follow: a.local_follow !== false }) : undefined;
    if (tree) {
      if (a.checksum !== undefined) throw new Error('checksum with a directory src is not supported: it is the sha1 of one file');
      return planTree(a, tree, facts, ctx);
    }
    const content = given === undefined ? ctx.readLocal(a.src!, { max: MAX_COPY_SOURCE, what: 'copy source' })
      : typeof given === 'string' ? given : typeof given === 'object' && given !== null ? pyJson(given) : pyStr(given);
    // preserve: the source's mode; inline content is first written to a private temporary file (0600) by Ansible's copy.
    const mode = a.mode === 'preserve' ? (given === undefined ? ctx.localMode(a.src!) : '0600') : a.mode;
    const { dest, now } = reach(a, facts);
    const changes: Change[] = planFileContent(dest, content, { ...a, mode }, facts, undefined, now ? { now, parentReady: true } : { replaceLink: true });
    // Ansible's module checks the sha1 only when it writes (the action leaves a file already the same to the file module).
    if (a.checksum !== undefined && changes.some((c) => c.steps.some((s) => 'write' in s)) && sha1(content) !== a.checksum) throw checksumFailure(sha1(content), a.checksum);
    return now ? through(a.dest, dest, changes) : changes;
  },
  // A directory copied with remote_src gets its mode where Ansible's copy names dest, which differs from one run to the next.
  verifiable: (a) => !(a.remote_src && a.mode !== undefined),
  localSources: (a) => (typeof a.src === 'string' && a.remote_src !== true ? [{ arg: 'src', path: a.src, kind: 'file', dir: true, max: MAX_COPY_SOURCE, what: 'copy source' }] : []),
});
