// Facts of the file module beyond facts/files.ts: what a symlink leads to, a path's times and inode, a time given
// in a format made an epoch by the host's own clock settings, and the tree below a directory (bounded).
import { type FileState, fileFact, noAtimeSha256 } from '../../facts/files.ts';
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import type { Times } from './attrs.ts';

/** What a symlink at `path` leads to, all links resolved (os.path.realpath): its path and what is there. */
export type Followed = { real: string; state: FileState };
const stateOf = fileFact('/').parse;
/** The fileFact snippet for the path in "$r". */
const STATE_OF_R = [
  'if [ -L "$r" ]; then t=link; elif [ -d "$r" ]; then t=directory; elif [ -f "$r" ]; then t=file;',
  'elif [ -e "$r" ]; then t=other; else echo absent; exit 0; fi;',
  `echo "$t $(stat -c '%a %U %G %s %u %g' "$r")";`,
  `if [ "$t" = file ]; then ${noAtimeSha256('"$r"')}; elif [ "$t" = link ]; then readlink "$r"; fi`,
].join(' ');

export function followFact(path: string): FactDef<Followed> {
  return {
    key: `follow:${path}`,
    // Read only when the path is a link; depending on its file fact would make every task declaring it conditional
    // in check mode after a simulated change to the path, read or not. Changes made through it set it (effects).
    lazy: true,
    script: `r=$(readlink -m -- ${shq(path)}); printf '%s\\n' "$r"; ${STATE_OF_R}`,
    parse(out) {
      const nl = out.indexOf('\n');
      return { real: out.slice(0, nl), state: stateOf(out.slice(nl + 1), 0) };
    },
  };
}

/** A path's times (following a link, as os.stat does); undefined when nothing is there. */
export function timesFact(path: string): FactDef<Times | undefined> {
  return {
    key: `times:${path}`,
    dependsOn: [fileFact(path).key],
    script: `stat -L -c '%.9X %.9Y' -- ${shq(path)} || echo absent`,
    parse: (out) => {
      const [a, m] = out.trim().split(' ');
      return a === 'absent' || m === undefined ? undefined : { atime: Number(a), mtime: Number(m) };
    },
  };
}

/** A local time ("2024-05-01 12:00:00") as the host's epoch: time.mktime reads it in the host's time zone. */
export function epochFact(local: string): FactDef<number | undefined> {
  return {
    key: `epoch:${local}`,
    readOnly: true,
    script: `date -d ${shq(local)} +%s`,
    parse: (out, code) => (code === 0 && /^-?\d+$/.test(out.trim()) ? Number(out.trim()) : undefined),
  };
}

/** A path's device:inode and link count, following a link (os.stat), or undefined when nothing is there. */
export type Inode = { id: string; nlink: number };
export function inodeFact(path: string): FactDef<Inode | undefined> {
  return {
    key: `inode:${path}`,
    dependsOn: [fileFact(path).key],
    script: `stat -L -c '%d:%i %h' -- ${shq(path)} || echo absent`,
    parse: (out) => {
      const [id, n] = out.trim().split(' ');
      return id === 'absent' || n === undefined ? undefined : { id, nlink: Number(n) };
    },
  };
}

/** One entry below a directory: its own state (a link not followed), times, and for a link what it leads to. */
export type TreeEntry = {
  path: string;
  state: FileState;
  times: Times;
  /** A symlink's target when it exists (os.path.exists): its real path, kind, owner, group, mode and times. */
  to?: { real: string; state: FileState; times: Times };
};
export type Tree = { entries: TreeEntry[]; truncated: boolean };
/** At most this many entries are read below a directory (recurse): a tree larger is refused, said so. */
export const MAX_TREE = 5000;

const KIND: Record<string, FileState['state']> = { f: 'file', d: 'directory', l: 'link' };
const FIELDS = `'%y %m %u %g %U %G %A@ %T@\\0%p\\0'`;

/**
 * Every entry below `path` (not itself), found as os.walk finds them (links not entered), at most MAX_TREE;
 * each symlink's target read too. Every file fact below it is what it depends on.
 */
export function treeFact(path: string): FactDef<Tree> {
  const p = shq(path);
  const take = `head -z -n ${2 * (MAX_TREE + 1)}`;
  return {
    key: `tree:${path}`,
    dependsOn: [fileFact(path).key, `file:${path.replace(/\/+$/, '')}/*`],
    script: [
      `find ${p} -mindepth 1 -printf ${FIELDS} | ${take};`,
      `printf '@links\\0';`,
      `find ${p} -mindepth 1 -type l -print0 | head -z -n ${MAX_TREE + 1} | xargs -0 -r sh -c 'for l; do [ -e "$l" ] || continue;`,
      `printf "%s\\0%s\\0" "$l" "$(readlink -f -- "$l")"; stat -L -c "%F|%a|%U|%G|%u|%g|%.9X|%.9Y" -- "$l" | tr "\\n" "\\0"; done' sh`,
    ].join(' '),
    parse(out) {
      const [list, links = ''] = out.split('@links\0');
      const parts = list.split('\0');
      const entries: TreeEntry[] = [];
      for (let i = 0; i + 1 < parts.length; i += 2) {
        const [y, mode, owner, group, uid, gid, atime, mtime] = parts[i].split(' ');
        entries.push({ path: parts[i + 1], times: { atime: Number(atime), mtime: Number(mtime) },
          state: { state: KIND[y] ?? 'other', mode: mode.padStart(4, '0'), owner, group, uid: Number(uid), gid: Number(gid) } });
      }
      const truncated = entries.length > MAX_TREE;
      const byPath = new Map(entries.map((e) => [e.path, e]));
      const l = links.split('\0');
      for (let i = 0; i + 2 < l.length; i += 3) {
        const [kind, mode, owner, group, uid, gid, atime, mtime] = l[i + 2].split('|');
        const e = byPath.get(l[i]);
        if (e) e.to = { real: l[i + 1], times: { atime: Number(atime), mtime: Number(mtime) },
          state: { state: kind === 'directory' ? 'directory' : kind.startsWith('regular') ? 'file' : 'other', mode: mode.padStart(4, '0'), owner, group, uid: Number(uid), gid: Number(gid) } };
      }
      return { entries: entries.slice(0, MAX_TREE), truncated };
    },
  };
}
