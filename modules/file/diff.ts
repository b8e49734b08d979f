// file's --diff as Ansible's: the path before and after as its initial_diff writes them ({path}, and its state on
// both sides when that changes), with what set_fs_attributes_if_different adds (owner and group as numbers, mode as
// '0%03o': attrs.ts), a link's src when it moves and what a directory removed held; each side serialized as Ansible's default callback writes a
// mapping (JSON, indent 4, keys sorted). Times are not shown (Ansible's are the seconds of the moment it ran).
import type { FileState } from '../../facts/files.ts';
import type { Change, FileDiff } from '../../engine/module.ts';
import { pyJson } from '../../engine/vars/python.ts';
import type { Shown } from './attrs.ts';

/**
 * What Ansible's get_state calls what is at a path: link, directory, absent, else file (a fifo or a device too).
 * A regular file with other hard links is 'hard' to Ansible; provision does not read link counts here, so says file.
 */
export const ansibleState = (st: FileState): string => (st.state === 'other' ? 'file' : st.state);

/** initial_diff: the path on both sides, and its state when it changes. */
export function initialDiff(path: string, state: string, prev: string): Shown {
  return prev === state ? { before: { path }, after: { path } } : { before: { path, state: prev }, after: { path, state } };
}

/** The sides merged (later keys over earlier ones, as Ansible's diff dict is filled in order). */
export const withShown = (base: Shown, ...more: Shown[]): Shown =>
  more.reduce((d, m) => ({ before: { ...d.before, ...m.before }, after: { ...d.after, ...m.after } }), base);

/** One side as the callback's _serialize_diff writes it: json.dumps(sort_keys=True, indent=4) and a newline. */
const asText = (side: Record<string, unknown>) => `${pyJson(side, 4, true)}\n`;

/** The change's diff; none when both sides are the same (Ansible's callback prints nothing then). */
export function fileDiff(path: string, d: Shown): FileDiff | undefined {
  const before = asText(d.before);
  const after = asText(d.after);
  return before === after ? undefined : { path, before, after };
}

/** At most this many entries of a directory removed are listed in its diff; one with more is said so instead. */
export const MAX_LISTED = 5000;

/**
 * What a directory removed held, read before it goes (every entry below it, in the order the directory lists them:
 * os.walk's), as ensure_absent's path_content: each directory's subdirectories (a symlink to one too, not entered)
 * and files, directory by directory from the top. Shown in check mode too, as Ansible's.
 */
export function removedDirRead(path: string, shown: Shown): NonNullable<Change['diffRead']> {
  return {
    path,
    when: 'before',
    inCheck: true,
    step: { exec: ['sh', '-c', `find "$1" -mindepth 1 -printf '%y%Y %p\\0' | head -z -n ${MAX_LISTED + 1}`, 'provision-file-walk', path] },
    show(out) {
      const entries = out.split('\0').filter(Boolean).map((e) => ({ dir: e[1] === 'd', link: e[0] === 'l', path: e.slice(3) }));
      if (entries.length > MAX_LISTED) return { path, before: null, after: null, note: `it holds more than ${MAX_LISTED} entries: not listed` };
      const children = new Map<string, typeof entries>();
      for (const e of entries) {
        const parent = e.path.slice(0, e.path.lastIndexOf('/'));
        children.set(parent, [...(children.get(parent) ?? []), e]);
      }
      const walk = { directories: [] as string[], files: [] as string[] };
      const visit = (base: string) => {
        const here = children.get(base) ?? [];
        walk.directories.push(...here.filter((e) => e.dir).map((e) => e.path));
        walk.files.push(...here.filter((e) => !e.dir).map((e) => e.path));
        for (const e of here) if (e.dir && !e.link) visit(e.path);
      };
      visit(path.replace(/\/+$/, ''));
      return fileDiff(path, withShown(shown, { before: { path_content: walk }, after: {} }));
    },
  };
}
