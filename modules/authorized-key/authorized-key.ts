// authorized_key (ansible.posix): SSH keys present in or absent from a user's authorized_keys (or `path`), the
// file's text edited as Ansible edits it (./keys.ts). When it writes, as Ansible's keyfile(): with manage_dir the
// directory made 0700 if missing, and given to the user (chown, chmod 0700) even if it was there; a missing file's
// directories made; the file written atomically, owned by the user and its primary group, mode 0600. A key given
// as a URL is refused: the plan cannot read it, and lab hosts reach nothing outside.
import { createHash } from 'node:crypto';
import { homeFactPrefix, userFact } from '../../facts/accounts.ts';
import { type FileState, fileFact, fileContentFact, parentDir } from '../../facts/files.ts';
import { type Effect, type FactDef, type Step, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { type AuthorizedKeyArgs, authorizedKeysEdit, readAsPython } from './keys.ts';

export type AkArgs = AuthorizedKeyArgs & { user: string; path?: string; manage_dir?: boolean; validate_certs?: boolean; follow?: boolean };

type Kind = 'absent' | 'file' | 'directory' | 'other' | 'dangling';
export type KeysFile = {
  /** The user's uid, primary gid and home (undefined when there is none): what the path was found by. */
  user?: { uid: number; gid: number; home: string };
  /** The file Ansible reads (path, or ~/.ssh/authorized_keys), the one it writes (its real path with follow), and what that is. */
  path?: string;
  target?: string;
  kind?: Kind;
  /** What the directory of `path` is (manage_dir's), whether the one above it is there, and the directory of `target`. */
  dir?: 'directory' | 'other' | 'absent';
  up?: boolean;
  base?: boolean;
  /** The text of `path` when it is a regular file (links followed), as read byte for byte. */
  text?: string;
};

/**
 * The user, the authorized_keys file it names and that file's text, in one snippet (the file depends on the home).
 * Keyed under the user's home facts: a user made, removed, or given another home or uid (the user module says so)
 * makes it unknown. Not dependent on the file's own facts: this module's effects make those unknown, and a loop of
 * keys must stay exact in check mode.
 */
export function keysFileFact(a: Pick<AkArgs, 'user' | 'path' | 'follow'>): FactDef<KeysFile> {
  const follow = a.follow ? 1 : 0;
  return {
    key: `${homeFactPrefix(a.user)}authorized_keys:${follow}${a.path === undefined ? '' : `:${a.path}`}`,
    script: [
      `if e=$(getent passwd ${shq(a.user)}); then printf 'user %s\\n' "$(printf %s "$e" | cut -d: -f3,4,6)"; else echo nouser; fi;`,
      a.path === undefined ? '[ -n "$e" ] || exit 0; p="$(printf %s "$e" | cut -d: -f6)/.ssh/authorized_keys";' : `p=${shq(a.path)};`,
      'printf "path %s\\n" "$p"; d=$(dirname -- "$p"); if [ -d "$d" ]; then echo "dir directory"; elif [ -e "$d" ]; then echo "dir other"; else echo "dir absent"; fi;',
      'if [ -d "$(dirname -- "$d")" ]; then echo "up yes"; else echo "up no"; fi;',
      `t=$p; [ ${follow} = 1 ] && t=$(realpath -m -- "$p"); printf 'target %s\\n' "$t";`,
      'if [ -d "$t" ]; then k=directory; elif [ -f "$t" ]; then k=file; elif [ -e "$t" ]; then k=other; elif [ -L "$t" ]; then k=dangling; else k=absent; fi; echo "kind $k";',
      'if [ -d "$(dirname -- "$t")" ]; then echo "base yes"; else echo "base no"; fi;',
      'if [ -f "$p" ]; then echo text; base64 -w0 < "$p"; fi',
    ].join(' '),
    parse(out) {
      const f: KeysFile = {};
      const lines = out.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const [word, rest] = [lines[i].split(' ')[0], lines[i].slice(lines[i].indexOf(' ') + 1)];
        if (word === 'user') {
          const [uid, gid, ...home] = rest.split(':');
          f.user = { uid: Number(uid), gid: Number(gid), home: home.join(':') };
        } else if (word === 'path') f.path = rest;
        else if (word === 'target') f.target = rest;
        else if (word === 'kind') f.kind = rest as Kind;
        else if (word === 'dir') f.dir = rest as KeysFile['dir'];
        else if (word === 'base') f.base = rest === 'yes';
        else if (word === 'up') f.up = rest === 'yes';
        else if (word === 'text') {
          f.text = Buffer.from((lines[i + 1] ?? '').trim(), 'base64').toString('utf8');
          break;
        }
      }
      return f;
    },
  };
}

const oneLine = (description: string) => ({ type: 'string', pattern: '^[^\\r\\n]*$', description });

export default defineModule<AkArgs>({
  name: 'authorized_key',
  fqcn: ['ansible.posix.authorized_key'],
  description: 'SSH public keys present in or absent from a user\'s authorized_keys (or another file), edited as ansible.posix.authorized_key edits it; exclusive removes every other line.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['user', 'key'],
    properties: {
      user: { type: 'string', pattern: '^[^\\s:/]+$', description: 'a user name' },
      key: { type: 'string', description: 'one or more public keys, a line each (a URL is not supported)' },
      path: { type: 'string', pattern: '^/[^\\r\\n]*$', description: 'an absolute path (~ and $VARS are not expanded), on one line' },
      manage_dir: { type: 'boolean', default: true },
      state: { enum: ['present', 'absent'], default: 'present' },
      key_options: oneLine('ssh key options, like no-port-forwarding,from="10.0.0.1"'),
      exclusive: { type: 'boolean', default: false },
      comment: oneLine('the comment given to the keys'),
      validate_certs: { type: 'boolean', default: true, description: 'only for a key given as a URL, which is not supported' },
      follow: { type: 'boolean', default: false },
    },
  },
  // The user fact: its uid and gid, and (the default path) the file's text as the user module reads and predicts it.
  facts: (a) => [keysFileFact(a), userFact(a.user)],
  // What a task that --check cannot plan may write besides its own fact: a file given by path, and the directories
  // above it (a file, a link or a directory made there is read by other modules' file facts). The default
  // ~/.ssh/authorized_keys is the user's home facts, which its own fact is keyed under.
  sideEffects: (a) => (a.path === undefined ? [] : [a.path, parentDir(a.path)].flatMap((p) => [
    { key: fileFact(p).key, unknown: true as const }, { key: fileContentFact(p).key, unknown: true as const }, { prefix: `follow:${p}`, unknown: true as const }])),
  // A comment that does not read back as itself (blanks at either end or doubled, a tab, `\#`): Ansible's parsekey reads
  // the line written as the words joined by one space, so it finds the key changed and writes it again on every run.
  verifiable: (a) => a.comment === undefined || a.comment === a.comment.replace(/\\#/g, '#').split(/[ \t\r\n]+/).filter(Boolean).join(' '),
  plan(a, facts) {
    if (a.key.startsWith('http')) {
      throw new Error(`key: a URL (${a.key.split(/\s/)[0]}) is not supported: provision does not fetch keys on the host (lab hosts reach nothing outside); give the keys' text, e.g. from lookup('url', ..., split_lines=False) on the controller`);
    }
    const f = facts.get(keysFileFact(a));
    const u = facts.get(userFact(a.user));
    if (!u.exists) throw new Error(`Failed to lookup user ${a.user}: "getpwnam(): name not found: '${a.user}'"`);
    const path = f.path!;
    // ~/.ssh/authorized_keys as the user fact holds it: in check mode, also as a user task before would leave it.
    const before = a.path === undefined ? u.authorizedKeys : f.text;
    const after = authorizedKeysEdit(before === undefined ? '' : readAsPython(before), a);
    if (after === undefined) return [];
    const target = a.follow ? f.target! : path;
    if (f.kind === 'directory' || f.kind === 'other') throw new Error(`${target} exists and is not a regular file`);
    if (f.kind === 'dangling') throw new Error(`${target} is a symlink to nothing: with follow: false Ansible would leave an empty file at its target and replace the link; follow: true writes the target`);
    const steps: Step[] = [];
    const effects: Effect[] = [];
    const owner = `${u.uid}:${u.gid}`;
    const sshDir = parentDir(path);
    if (a.manage_dir !== false) {
      if (f.dir === 'other') throw new Error(`${sshDir} exists and is not a directory (manage_dir)`);
      // os.mkdir, as Ansible: the directory above it must be there.
      if (f.dir === 'absent' && !f.up) throw new Error(`Failed to create directory ${sshDir} : [Errno 2] No such file or directory: '${sshDir}'`);
      if (f.dir === 'absent') steps.push({ exec: ['mkdir', '-m', '0700', '--', sshDir] });
      steps.push({ exec: ['chown', owner, '--', sshDir] }, { exec: ['chmod', '0700', '--', sshDir] });
      effects.push({ key: fileFact(sshDir).key, unknown: true });
    }
    if (f.kind === 'absent' && !f.base && !(a.manage_dir !== false && parentDir(target) === sshDir)) {
      steps.push({ exec: ['mkdir', '-p', '--', parentDir(target)] });
      effects.push({ key: fileFact(parentDir(target)).key, unknown: true });
    }
    steps.push({ write: { path: target, content: after, owner: String(u.uid), group: String(u.gid), mode: '0600' } });
    const value: KeysFile = { ...f, dir: a.manage_dir !== false ? 'directory' : f.dir, kind: 'file', base: true, text: after, ...(a.follow ? {} : { target: path }) };
    // The file as written: its text, 0600, the user's uid and gid (the group's name is not read here).
    const written: FileState = { state: 'file', mode: '0600', owner: a.user, uid: u.uid, gid: u.gid, size: Buffer.byteLength(after), sha256: createHash('sha256').update(after).digest('hex') };
    effects.push({ key: keysFileFact(a).key, value }, { key: fileFact(target).key, value: written }, { key: fileContentFact(target).key, value: { exists: true, text: after } });
    // The user fact reads ~/.ssh/authorized_keys too (a user task after this one compares its keys with it).
    if (a.path === undefined) effects.push({ key: userFact(a.user).key, value: { ...u, authorizedKeys: after } });
    const n = (text: string) => text.split('\n').filter(Boolean).length;
    return [{
      summary: `${target}: ${a.state === 'absent' ? 'keys removed' : a.exclusive ? 'only the given keys' : 'keys added'} (${n(after)} line${n(after) === 1 ? '' : 's'})`,
      diff: { path, before: before === undefined ? '' : readAsPython(before), after },
      steps,
      effects,
    }];
  },
});
