// get_url: a file downloaded by the host itself (python3's urllib there, probe.ts and fetch-py.ts), as Ansible's
// get_url decides: dest there with force off and a matching checksum is left unread; otherwise a GET (with
// If-Modified-Since dest's mtime unless force: a 304 changes nothing, not even the mode), and dest replaced only
// when the bytes differ; then owner, group and mode. The fact downloads and hashes; the change downloads again
// into a temp file and renames it over dest, so --check is exact (what it would write is known by its hash).
import { ownerFacts, ownerIds, requireOwner } from '../../facts/accounts.ts';
import { type FileState, fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import { type Change, type Effect, type Facts, defineModule, readOnly } from '../../engine/module.ts';
import { humanSize } from '../copy/content.ts';
import { attributeChanges } from '../file/attrs.ts';
import { modeSchema, resolveMode, umaskFact } from '../file-mode.ts';
import { pyLoader } from '../host-python.ts';
import { type GetUrlArgs, type Probe, fetchStdin, probeFact, requestArgs, splitChecksum } from './probe.ts';
import { refused } from '../refused.ts';

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'blake2b', 'blake2s', 'sha3_224', 'sha3_256', 'sha3_384', 'sha3_512'];

/** What Ansible's exit_json adds of the path it names (add_path_info): its owner, mode, kind and size. */
function pathInfo(s: FileState): Record<string, unknown> {
  if (s.state === 'absent') return { state: 'absent' };
  return { uid: s.uid, gid: s.gid, owner: s.owner, group: s.group, mode: s.mode, state: s.state === 'other' ? 'file' : s.state, size: s.size };
}

function failure(p: Extract<Probe, { kind: 'failed' }>): string {
  return [p.msg, p.status_code !== undefined ? `status code ${p.status_code}` : '', p.response ?? ''].filter(Boolean).join(': ');
}

/** The state dest is left in by the changes planned (their effect on its file fact), or as it is. */
function after(dest: string, now: FileState, changes: Change[]): FileState {
  const e = changes.flatMap((c) => c.effects).find((x): x is Extract<Effect, { value: unknown }> => 'value' in x && x.key === fileFact(dest).key);
  return (e?.value as FileState | undefined) ?? now;
}

/** dest without a trailing slash ("/" stays). */
const destPath = (a: GetUrlArgs) => a.dest.replace(/(.)\/+$/, '$1');

/**
 * The file written and what is there now. dest a directory: the name the download gave, as the probe found it;
 * otherwise dest's file fact (in check mode, as an earlier task would leave it), its directory's too.
 */
function target(a: GetUrlArgs, facts: Facts, p: Exclude<Probe, { kind: 'failed' }>): { dest: string; now: FileState; parent: boolean } {
  const there = facts.get(fileFact(destPath(a)));
  if (there.state === 'directory') {
    if (p.dest === a.dest) throw new Error(`${a.dest} is a directory only a change simulated before this task makes: check mode cannot know the name the download gives`);
    return { dest: p.dest, now: p.state, parent: p.parent };
  }
  const dir = parentDir(destPath(a));
  return { dest: destPath(a), now: there, parent: dir === '/' || facts.get(fileFact(dir)).state === 'directory' };
}

function plan(a: GetUrlArgs, facts: Facts): Change[] {
  const p = facts.get(probeFact(a));
  if (p.kind === 'failed') throw new Error(failure(p));
  // As Ansible's url_get: a 304 ends the module at once, before any attribute is looked at.
  if (p.kind === 'not-modified') return [];
  const { dest, now, parent } = target(a, facts, p);
  if (now.state === 'link') throw new Error(`${dest} is a symlink: get_url into a symlink is not supported (name the file it points to)`);
  if (now.state === 'directory') throw new Error(`${dest} is a directory`);
  if (now.state === 'other') throw new Error(`${dest} exists and is not a regular file`);
  requireOwner(a, facts, 'get_url');
  const umask = facts.get(umaskFact);
  const want = { owner: a.owner, group: a.group, mode: a.mode, ...ownerIds(a, facts), umask };
  const probeKey = probeFact(a).key;
  const attrsOnly = (): Change[] => {
    const c = attributeChanges(dest, now, want);
    if (!c.steps.length) return [];
    return [{ summary: `${dest}: ${c.notes.join(', ')}`, steps: c.steps, effects: [{ key: fileFact(dest).key, value: c.after }, { key: probeKey, value: { ...p, state: c.after } }] }];
  };
  if (p.kind === 'exists') return attrsOnly();
  if (now.state === 'absent' && !parent) throw new Error(`Destination ${parentDir(dest)} does not exist`);
  const algorithm = splitChecksum(a.checksum).algorithm;
  if (algorithm && p.src[algorithm] !== p.checksum) {
    throw new Error(`The checksum for ${dest} did not match ${p.checksum}; it was ${p.src[algorithm]}. (dest left as it was)`);
  }
  if (now.state === 'file' && now.sha256 === p.src.sha256) return attrsOnly();

  const fresh = now.state === 'absent';
  // A new file as Ansible's atomic_move makes it (0666 less the umask, the task's user); one there keeps its own.
  const base: FileState = fresh ? { state: 'file', mode: (0o666 & ~umask).toString(8).padStart(4, '0'), owner: p.user, group: p.usergroup } : now;
  const mode = a.mode !== undefined ? resolveMode(a.mode, { mode: base.mode, directory: false }, umask) : undefined;
  const notes = attributeChanges(dest, base, want, { fresh }).notes;
  const next: FileState = {
    ...base, mode: mode ?? base.mode, owner: a.owner ?? base.owner, group: a.group ?? base.group, size: p.size, sha256: p.src.sha256,
    ...(a.owner ? { uid: want.uid } : {}), ...(a.group ? { gid: want.gid } : {}),
  };
  const step = { ...requestArgs(a), final: dest, expect: p.checksum || undefined, planned: p.src.sha256, owner: a.owner, group: a.group, mode, backup: a.backup };
  return [{
    // A password in the URL (user:password@host) is not shown.
    summary: [`${fresh ? 'download' : 'replace'} ${dest} from ${a.url.replace(/\/\/[^/@]*@/, '//***@')} (${humanSize(p.size)})`, ...notes].join(', '),
    steps: [{ exec: ['python3', '-c', pyLoader('get_url')], stdin: fetchStdin(step) }],
    effects: [
      { key: fileFact(dest).key, value: next },
      { key: fileContentFact(dest).key, unknown: true },
      { key: probeKey, value: { ...p, state: next, sha1: p.src.sha1, digest: algorithm ? p.src[algorithm] : undefined } },
    ],
  }];
}

/** What Ansible's get_url returns, from the probe and (once changes ran) the state they left. */
function returned(a: GetUrlArgs, facts: Facts, changes: Change[], stdout = ''): Record<string, unknown> {
  const p = facts.get(probeFact(a));
  if (p.kind === 'failed') return { msg: p.msg, url: a.url, dest: a.dest };
  const { dest, now: before } = target(a, facts, p);
  const now = after(dest, before, changes);
  const base = { url: a.url, dest, elapsed: 0, ...pathInfo(now) };
  if (p.kind === 'not-modified') return { ...base, dest: a.dest, msg: p.msg, status_code: 304 };
  if (p.kind === 'exists') {
    return { ...base, checksum_dest: null, checksum_src: null, msg: changes.length ? 'file already exists but file attributes changed' : 'file already exists' };
  }
  const backup = /^backup_file (.*)$/m.exec(stdout)?.[1];
  return { ...base, msg: p.msg, status_code: p.status_code, checksum_src: p.src.sha1, checksum_dest: p.sha1 ?? null, md5sum: p.src.md5, ...(backup ? { backup_file: backup } : {}) };
}

export default defineModule<GetUrlArgs>({
  name: 'get_url',
  fqcn: ['ansible.builtin.get_url', 'ansible.legacy.get_url'],
  aliases: { username: 'url_username', password: 'url_password' },
  description: 'Download a file on the host (python3 there) from HTTP, HTTPS, FTP or file:// to dest or into a directory, as Ansible decides: force, checksum (hex or a checksum file\'s URL), If-Modified-Since; owner, group, mode, backup.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'dest'],
    properties: {
      url: { type: 'string', pattern: '^(https?|ftp|file)://', description: 'an http://, https://, ftp:// or file:// URL' },
      dest: { type: 'string', pattern: '^/', description: 'an absolute path: the file, or a directory to download into' },
      checksum: {
        type: 'string', pattern: `^$|^(${ALGORITHMS.join('|')}):.`,
        description: `ALGORITHM:HEX or ALGORITHM:URL of a checksum file, ALGORITHM one of ${ALGORITHMS.join(', ')}`,
      },
      force: { type: 'boolean', default: false },
      backup: { type: 'boolean', default: false },
      timeout: { type: 'integer', minimum: 1, default: 10, description: 'seconds, at least 1' },
      headers: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }] }, description: 'a mapping of header names to values' },
      tmp_dest: { type: 'string', pattern: '^/', description: 'an absolute path of a directory' },
      http_agent: { type: 'string', default: 'ansible-httpget' },
      use_proxy: { type: 'boolean', default: true },
      validate_certs: { type: 'boolean', default: true },
      url_username: { type: 'string' },
      url_password: { type: 'string' },
      force_basic_auth: { type: 'boolean', default: false },
      use_netrc: { type: 'boolean', default: true },
      decompress: { type: 'boolean', default: true },
      unredirected_headers: { type: 'array', items: { type: 'string' }, default: [] },
      owner: { type: 'string', minLength: 1 },
      group: { type: 'string', minLength: 1 },
      mode: modeSchema,
      ciphers: refused('left out: ciphers is not supported (Python\'s default TLS ciphers are used)'),
      client_cert: refused('left out: client_cert is not supported yet'),
      client_key: refused('left out: client_key is not supported yet'),
      use_gssapi: { enum: [false], description: 'false: use_gssapi (Kerberos) is not supported' },
      attributes: refused('left out: attributes (chattr) is not supported'),
      seuser: refused('left out: SELinux contexts are not supported'),
      serole: refused('left out: SELinux contexts are not supported'),
      setype: refused('left out: SELinux contexts are not supported'),
      selevel: refused('left out: SELinux contexts are not supported'),
    },
  },
  // dest written as a directory ("/srv/files/") is only read: a task conditional in check mode leaves it known.
  facts: (a) => [probeFact(a), a.dest.endsWith('/') ? readOnly(fileFact(destPath(a))) : fileFact(destPath(a)), ...(parentDir(destPath(a)) === '/' ? [] : [readOnly(fileFact(parentDir(destPath(a))))]),
    readOnly(umaskFact), ...ownerFacts(a)],
  plan,
  // Planning again would download again: a URL whose bytes change on every request would read as not converged,
  // where Ansible reports changed. The step checks what it can itself (the checksum).
  verifiable: () => false,
  returns: (a, facts) => returned(a, facts, []),
  returnsChanged: (a, facts, changes, stdout) => returned(a, facts, changes, stdout),
});
