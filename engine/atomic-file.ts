// Replacing a file so that readers see the old content or the new, never a part: temp file beside it, rename.
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.ts';

/** Replaces a file's content atomically: a temp file in its directory (mode set before any byte is written), fsync, rename. */
export function writeAtomic(file: string, text: string, mode: number): void {
  const old = statSync(file, { throwIfNoEntry: false });
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    fchmodSync(fd, mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (old && process.getuid?.() === 0) chownSync(tmp, old.uid, old.gid);
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new UserError(`${file}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
