// Local files named by module arguments (templates, sources, bundles): found beside the playbook or in
// templates/, and read once per process, so that every host of a run shares one Buffer.
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';

/** Local files (a bundle, a source) read once per process, not once per host: one Buffer shared by all. */
const localFiles = new Map<string, { mtimeMs: number; size: number; bytes: Buffer }>();
export function readLocalOnce(path: string): Buffer {
  const st = statSync(path);
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
export function resolveLocal(p: string, playDir: string): string {
  const tries = isAbsolute(p) ? [p] : [join(playDir, p), join(playDir, 'templates', p), resolve('templates', p), resolve(p)];
  // `..` may reach a sibling directory of the project, not out of both the project and the playbook's directory.
  const inside = (base: string, t: string) => !/^\.\.(\/|$)/.test(relative(base, t)) && !isAbsolute(relative(base, t));
  if (!isAbsolute(p) && /^\.\.(\/|$)/.test(normalize(p)) && tries.every((t) => !inside(resolve(playDir), t) && !inside(process.cwd(), t))) {
    throw new Error(`local file "${p}" climbs with ".." out of the playbook's directory and the project: give an absolute path if you mean that file`);
  }
  const found = tries.find((t) => {
    try {
      return statSync(t).isFile();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new Error(`local file "${p}" is a loop of symbolic links (${t})`);
      return false;
    }
  });
  if (!found) throw new Error(`local file "${p}" not found (looked in ${[...new Set(tries)].join(', ')})`);
  return found;
}

/** Playbooks, inventories and vars files are text a person wrote: one larger than this is refused unread. */
export const MAX_TEXT_FILE = 10 * 2 ** 20;

/** A playbook, inventory or vars file's text; a file over MAX_TEXT_FILE is an error, before it is read. */
export function readTextFile(path: string, what: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_TEXT_FILE) {
      throw Object.assign(new Error(`${what} is ${(size / 2 ** 20).toFixed(0)} MB, over the limit of ${MAX_TEXT_FILE / 2 ** 20} MB: is it the right file?`), { code: 'EFBIG' });
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
