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

/**
 * The sh that prints the sha256 of the file at `q` (quoted) without moving its access time: read with O_NOATIME
 * (dd iflag=noatime, allowed to its owner and root), else as sha256sum reads it. Ansible's file module never reads
 * a file's bytes, so an access_time it set stays as set; this reading must not move it either. (Where Ansible's
 * copy, template or stat reads a file, its access time moves as the mount's relatime says; here it does not.)
 */
export const noAtimeSha256 = (q: string) =>
  `if dd if=${q} iflag=noatime count=0 status=none 2>/dev/null; then dd if=${q} iflag=noatime bs=64K status=none | sha256sum; else sha256sum ${q}; fi | cut -d' ' -f1`;

/** What is at `path` (links are not followed). */
export function fileFact(path: string): FactDef<FileState> {
  const p = shq(path);
  return {
    key: `file:${path}`,
    script: [
      `if [ -L ${p} ]; then t=link; elif [ -d ${p} ]; then t=directory; elif [ -f ${p} ]; then t=file;`,
      `elif [ -e ${p} ]; then t=other; else echo absent; exit 0; fi;`,
      `echo "$t $(stat -c '%a %U %G %s %u %g' ${p})";`,
      `if [ "$t" = file ]; then ${noAtimeSha256(p)}; elif [ "$t" = link ]; then readlink ${p}; fi`,
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

/** The directories above a path, nearest first, "/" left out. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = parentDir(path); d !== '/'; d = parentDir(d)) out.push(d);
  return out;
}

/** What Ansible's stat reports of a path (its mime type and file attributes left out). */
export type StatResult = Record<string, unknown> & { exists: boolean };

/** stat's checksum algorithms, as Ansible names them, and the command each is. */
export const CHECKSUMS = { sha1: 'sha1sum', md5: 'md5sum', sha224: 'sha224sum', sha256: 'sha256sum', sha384: 'sha384sum', sha512: 'sha512sum' } as const;
export type ChecksumAlgorithm = keyof typeof CHECKSUMS;

/**
 * Ansible's stat of `path`, read as the task's user (readable/writeable/executable are that user's): following a
 * link when `follow`, with the file's checksum when `checksum` names an algorithm. A change another module makes
 * to the path (its file fact) changes this one too: in check mode, it is then not known.
 */
export function statFact(path: string, o: { follow: boolean; checksum: ChecksumAlgorithm | false }): FactDef<StatResult> {
  const p = shq(path);
  const L = o.follow ? '-L ' : '';
  return {
    key: `stat:${o.follow ? 'follow' : 'nofollow'}:${o.checksum || 'none'}:${path}`,
    dependsOn: [fileFact(path).key],
    script: [
      // As Ansible's stat: nothing there (ENOENT; a link that leads nowhere, followed) is exists: false; any other
      // error (a directory the task's user may not enter, a file where a directory should be) fails, as strerror says.
      `if ! s=$(LC_ALL=C stat ${L}-c '%f|%u|%g|%U|%G|%s|%i|%d|%h|%.9X|%.9Y|%.9Z|%b|%o|%r' ${p} 2>&1); then`,
      `case $s in *': No such file or directory') echo absent ;; *) printf 'error %s\\n' "\${s##*: }" ;; esac; exit 0; fi; printf '%s\\n' "$s";`,
      `a=; [ -r ${p} ] && a=r; [ -w ${p} ] && a=$a.w; [ -x ${p} ] && a=$a.x; echo "access $a";`,
      o.follow ? '' : `if [ -L ${p} ]; then printf 'link %s\\nreal %s\\n' "$(readlink ${p})" "$(readlink -f ${p})"; fi;`,
      o.checksum ? `if [ -f ${p} ] && [ -r ${p} ]${o.follow ? '' : ` && [ ! -L ${p} ]`}; then echo "sum $(${CHECKSUMS[o.checksum]} < ${p} | cut -d' ' -f1)"; fi` : 'true',
    ].join(' '),
    parse(out) {
      const lines = out.split('\n');
      if (lines[0] === 'absent') return { exists: false };
      if (lines[0].startsWith('error ')) return { exists: false, error: lines[0].slice(6) };
      const [fHex, uid, gid, owner, group, size, inode, dev, nlink, atime, mtime, ctime, blocks, blockSize, rdev] = lines[0].split('|');
      const st = parseInt(fHex, 16);
      const type = st & 0o170000;
      const perm = st & 0o7777;
      const rest = Object.fromEntries(lines.slice(1).filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
      const access = rest.access ?? '';
      const r: StatResult = {
        exists: true, path, mode: perm.toString(8).padStart(4, '0'),
        isdir: type === 0o040000, ischr: type === 0o020000, isblk: type === 0o060000, isreg: type === 0o100000, isfifo: type === 0o010000,
        islnk: type === 0o120000, issock: type === 0o140000,
        uid: Number(uid), gid: Number(gid), size: Number(size), inode: Number(inode), dev: Number(dev), nlink: Number(nlink),
        atime: Number(atime), mtime: Number(mtime), ctime: Number(ctime), blocks: Number(blocks), block_size: Number(blockSize), device_type: Number(rdev),
        wusr: Boolean(perm & 0o200), rusr: Boolean(perm & 0o400), xusr: Boolean(perm & 0o100), wgrp: Boolean(perm & 0o020), rgrp: Boolean(perm & 0o040),
        xgrp: Boolean(perm & 0o010), woth: Boolean(perm & 0o002), roth: Boolean(perm & 0o004), xoth: Boolean(perm & 0o001),
        isuid: Boolean(perm & 0o4000), isgid: Boolean(perm & 0o2000),
        readable: access.includes('r'), writeable: access.includes('w'), executable: access.includes('x'),
        pw_name: owner, gr_name: group,
      };
      if (rest.link !== undefined) Object.assign(r, { lnk_target: rest.link, lnk_source: rest.real });
      if (rest.sum !== undefined) r.checksum = rest.sum;
      return r;
    },
  };
}
