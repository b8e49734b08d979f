// A local directory walked as Ansible's copy action walks one (_walk_dirs in plugins/action/copy.py): its files,
// directories and symlinks with their path below dest. "dir/" gives what is in dir, "dir" dir itself; with
// `follow` (local_follow) a link to a file is its file, a link to a directory is walked, unless it leads back
// to a directory it is in (then it stays a link); without, every link is copied as a link.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LocalTree } from './module.ts';

/** At most this many entries are sent of a local directory: a larger one is refused, said so. */
export const MAX_LOCAL_TREE = 10000;

const id = (p: string) => {
  const st = statSync(p);
  return `${st.dev}:${st.ino}`;
};

/** `dir`: the directory found (absolute); `trailingSlash`: whether the argument ended in "/". */
export function walkLocalDir(dir: string, o: { trailingSlash: boolean; follow: boolean }): LocalTree {
  const top = dir.replace(/\/+$/, '') || '/';
  const tree: LocalTree = { files: [], directories: [], symlinks: [] };
  const relOf = (base: string) => (o.trailingSlash ? base : join(basename(top), base));
  if (lstatSync(top).isSymbolicLink() && !o.follow) {
    throw new Error(`local directory "${dir}" is a symlink and local_follow is false: Ansible's copy fails on it; name the directory it leads to`);
  }
  let count = 0;
  const walk = (at: string, rel: string, parents: Set<string>) => {
    const names = readdirSync(at).sort();
    if ((count += names.length) > MAX_LOCAL_TREE) throw new Error(`local directory "${dir}" has more than ${MAX_LOCAL_TREE} entries: too large to copy this way (use an archive and unarchive)`);
    const dirs: string[] = [];
    // As os.walk: a name is a directory when it is one or leads to one; files (and links to anything else) first.
    for (const name of names) {
      const path = join(at, name);
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        /* a broken link */
      }
      if (isDir) {
        dirs.push(name);
        continue;
      }
      const destRel = rel ? join(rel, name) : name;
      if (lstatSync(path).isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = realpathSync(path);
        } catch {
          /* broken */
        }
        if (o.follow && real && statSync(real).isFile()) tree.files.push({ path: real, rel: relOf(destRel) });
        else tree.symlinks.push({ target: readlinkSync(path), rel: relOf(destRel) });
      } else tree.files.push({ path, rel: relOf(destRel) });
    }
    for (const name of dirs) {
      const path = join(at, name);
      const destRel = rel ? join(rel, name) : name;
      if (!lstatSync(path).isSymbolicLink()) {
        tree.directories.push(relOf(destRel));
        walk(path, destRel, new Set([...parents, id(path)]));
      } else if (!o.follow || parents.has(id(path))) {
        tree.symlinks.push({ target: readlinkSync(path), rel: relOf(destRel) });
      } else {
        const real = realpathSync(path);
        tree.directories.push(relOf(destRel));
        walk(real, destRel, new Set([...parents, id(real)]));
      }
    }
  };
  walk(top, '', new Set([id(top), ...ancestorsIds(top)]));
  return tree;
}

/** The directories above `dir`: a link back to one of them is a loop too. */
function ancestorsIds(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) out.push(id(d));
  return out;
}
