// Local files named by module arguments (templates, sources, bundles): found beside the playbook or in
// templates/, and read once per process, so that every host of a run shares one Buffer.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';

/** Local files (a bundle, a source) read once per process, not once per host: one Buffer shared by all. */
const localFiles = new Map<string, { mtimeMs: number; size: number; bytes: Buffer }>();
/** `max`: a file larger than this is refused before it is read (tooLarge), `what` naming it in the error. */
export function readLocalOnce(path: string, o: { max?: number; what?: string } = {}): Buffer {
  const st = statSync(path);
  if (o.max !== undefined && st.size > o.max) throw tooLarge(o.what ?? `local file "${path}"`, st.size, o.max);
  const hit = localFiles.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.bytes;
  const bytes = readFileSync(path);
  localFiles.set(path, { mtimeMs: st.mtimeMs, size: st.size, bytes });
  return bytes;
}

/**
 * Finds a local file named by a module argument: absolute, beside the playbook, or in a templates/ directory.
 * A relative name may not climb out of where it is looked up (`../../etc/passwd`): an absolute path says so.
 */
export function resolveLocal(p: string, playDir: string, roleDir?: string, o: { dir?: boolean } = {}): string {
  // In a role, its templates/ and files/ first, as Ansible searches them.
  const inRole = roleDir ? [join(roleDir, 'templates', p), join(roleDir, 'files', p), join(roleDir, p), join(roleDir, 'tasks', p)] : [];
  const tries = isAbsolute(p) ? [p] : [...inRole, join(playDir, p), join(playDir, 'templates', p), resolve('templates', p), resolve(p)];
  // `..` may reach a sibling directory of the project, not out of both the project and the playbook's directory.
  const inside = (base: string, t: string) => !/^\.\.(\/|$)/.test(relative(base, t)) && !isAbsolute(relative(base, t));
  if (!isAbsolute(p) && /^\.\.(\/|$)/.test(normalize(p)) && tries.every((t) => !inside(resolve(playDir), t) && !inside(process.cwd(), t) && !(roleDir && inside(roleDir, t)))) {
    throw new Error(`local file "${p}" climbs with ".." out of the playbook's directory and the project: give an absolute path if you mean that file`);
  }
  const found = tries.find((t) => {
    try {
      const st = statSync(t);
      return st.isFile() || (o.dir === true && st.isDirectory());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new Error(`local file "${p}" is a loop of symbolic links (${t})`);
      return false;
    }
  });
  if (!found) throw new Error(`local file "${p}" not found (looked in ${[...new Set(tries)].join(', ')})`);
  return found;
}

/** Playbooks, inventories, vars files and templates are text a person wrote: one larger than this is refused unread. */
/** `~` and `~/...` as the shell expands them: under `home`; any other path as it is. */
export const expandHome = (p: string, home = homedir()) => (p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : p);

export const MAX_TEXT_FILE = 10 * 2 ** 20;

/**
 * A copy source is held whole in memory (one Buffer shared by every host), hashed, and streamed to each host
 * from there: one larger than this is refused before it is read. Large artifacts belong in a package, a
 * download on the host (command with creates) or an app bundle.
 */
export const MAX_COPY_SOURCE = 64 * 2 ** 20;

const mb = (n: number) => `${Number.isInteger(n / 2 ** 20) ? n / 2 ** 20 : (n / 2 ** 20).toFixed(1)} MB`;

/** The error for a file over its limit: code EFBIG, "WHAT is N MB, over the limit of M MB: is it the right file?". */
export function tooLarge(what: string, size: number, max: number): Error {
  return Object.assign(new Error(`${what} is ${mb(size)}, over the limit of ${mb(max)}: is it the right file?`), { code: 'EFBIG' });
}

/**
 * A playbook, inventory or vars file's text; a file over MAX_TEXT_FILE is an error, before it is read. A pipe
 * or device (`-e @<(...)`, /dev/stdin; /dev/zero) is read up to the limit, never past it.
 */
export function readTextFile(path: string, what: string): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.size > MAX_TEXT_FILE) throw tooLarge(what, st.size, MAX_TEXT_FILE);
    if (st.isFile()) return readFileSync(fd, 'utf8');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return Buffer.concat(chunks).toString('utf8');
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > MAX_TEXT_FILE) {
        throw Object.assign(new Error(`${what} goes on past the limit of ${mb(MAX_TEXT_FILE)}: is it the right file?`), { code: 'EFBIG' });
      }
    }
  } finally {
    closeSync(fd);
  }
}
