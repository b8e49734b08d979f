// File facts shared by modules: what is at a path, and a file's text. Each fact is a POSIX sh snippet and a
// parser; the engine batches many into one exec.
import type { FactDef } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

export type FileState = {
  state: 'absent' | 'file' | 'directory' | 'link' | 'other';
  /** Four octal digits, as strings always: "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  /** The owner's and group's numbers: what names them may change (a uid given to another user), these do not. */
  uid?: number;
  gid?: number;
  size?: number;
  sha256?: string;
  /** A link's target. */
  target?: string;
};

/** What is at `path` (links are not followed). */
export function fileFact(path: string): FactDef<FileState> {
  const p = shq(path);
  return {
    key: `file:${path}`,
    script: [
      `if [ -L ${p} ]; then t=link; elif [ -d ${p} ]; then t=directory; elif [ -f ${p} ]; then t=file;`,
      `elif [ -e ${p} ]; then t=other; else echo absent; exit 0; fi;`,
      `echo "$t $(stat -c '%a %U %G %s %u %g' ${p})";`,
      `if [ "$t" = file ]; then sha256sum ${p} | cut -d' ' -f1; elif [ "$t" = link ]; then readlink ${p}; fi`,
    ].join(' '),
    parse(out) {
      const [head, extra = ''] = out.split('\n');
      const [state, mode, owner, group, size, uid, gid] = head.trim().split(' ');
      if (state === 'absent') return { state: 'absent' };
      const f: FileState = { state: state as FileState['state'], mode: mode.padStart(4, '0'), owner, group, size: Number(size), uid: Number(uid), gid: Number(gid) };
      if (state === 'file') f.sha256 = extra.trim();
      if (state === 'link') f.target = extra;
      return f;
    },
  };
}

export type FileContent = { exists: boolean; text?: string; note?: string };
export const MAX_CONTENT_BYTES = 256 * 1024;

/** The text of a regular file (for diffs and line edits): absent, text, or a note (binary, too large). */
export function fileContentFact(path: string, o: { lazy?: boolean; maxBytes?: number } = {}): FactDef<FileContent> {
  const p = shq(path);
  const maxBytes = o.maxBytes ?? MAX_CONTENT_BYTES;
  return {
    key: `content:${path}`,
    lazy: o.lazy,
    script: `if [ ! -f ${p} ]; then echo absent; elif [ $(stat -L -c %s ${p}) -gt ${maxBytes} ]; then echo large; else echo text; base64 -w0 ${p}; fi`,
    parse(out) {
      const [kind, b64 = ''] = out.split('\n');
      if (kind === 'absent') return { exists: false };
      if (kind === 'large') return { exists: true, note: `larger than ${maxBytes / 1024} KiB: not shown` };
      const buf = Buffer.from(b64.trim(), 'base64');
      const text = buf.toString('utf8');
      if (buf.includes(0) || Buffer.from(text, 'utf8').compare(buf) !== 0) return { exists: true, note: 'binary content: not shown' };
      return { exists: true, text };
    },
  };
}

/** The directory a path is in ("/" for a path at the root). */
export const parentDir = (path: string): string => path.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
