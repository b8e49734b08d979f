// Local files named by module arguments (templates, sources, bundles): found beside the playbook or in
// templates/, and read once per process, so that every host of a run shares one Buffer.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

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

/** Finds a local file named by a module argument: absolute, beside the playbook, or in a templates/ directory. */
export function resolveLocal(p: string, playDir: string): string {
  const tries = isAbsolute(p) ? [p] : [join(playDir, p), join(playDir, 'templates', p), resolve('templates', p), resolve(p)];
  const found = tries.find((t) => existsSync(t));
  if (!found) throw new Error(`local file "${p}" not found (looked in ${tries.join(', ')})`);
  return found;
}
