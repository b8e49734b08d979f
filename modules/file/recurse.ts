// file's recurse: owner, group, mode and times applied to every entry below a directory, as Ansible's
// recursive_set_attributes walks it: each path itself (a symlink chowned as a link, its mode left as Ansible leaves
// it), and with follow a symlink's target too. A symbolic mode is resolved per entry (X: directories).
import { fileFact } from '../../facts/files.ts';
import type { Effect, Step } from '../../engine/module.ts';
import { type Attrs, type TimeWant, attributeChanges, timeChanges } from './attrs.ts';
import { MAX_TREE, type Tree, type TreeEntry, treeFact } from './facts.ts';

/** Commands on one path each ([cmd, ...opts, '--', path]) with the same command and options, made one per 200 paths. */
export function batchByCommand(steps: Step[]): Step[] {
  const groups = new Map<string, string[]>();
  const heads = new Map<string, string[]>();
  for (const s of steps) {
    if (!('exec' in s)) throw new Error('only commands are batched');
    const head = s.exec.slice(0, -1);
    const k = JSON.stringify(head);
    heads.set(k, head);
    groups.set(k, [...(groups.get(k) ?? []), s.exec.at(-1)!]);
  }
  const out: Step[] = [];
  for (const [k, paths] of groups) for (let i = 0; i < paths.length; i += 200) out.push({ exec: [...heads.get(k)!, ...paths.slice(i, i + 200)] });
  return out;
}

export function planRecurse(path: string, tree: Tree, want: Attrs, times: { mtime: TimeWant; atime: TimeWant }, follow: boolean):
  { steps: Step[]; notes: string[]; effects: Effect[]; always: boolean } {
  if (tree.truncated) throw new Error(`recurse: ${path} has more than ${MAX_TREE} entries below it, more than provision reads of a tree: too large (set owner and mode with a command, or on fewer paths)`);
  const steps: Step[] = [];
  const effects: Effect[] = [];
  let always = false;
  let changed = 0;
  const inTree = new Set(tree.entries.map((e) => e.path));
  const after: TreeEntry[] = [];
  for (const e of tree.entries) {
    const isLink = e.state.state === 'link';
    if (isLink && follow && e.to?.state.state === 'directory') {
      throw new Error(`recurse with follow: ${e.path} is a symlink to a directory (${e.to.real}), which is not supported: set follow: false to leave what it leads to as it is`);
    }
    const attrs = attributeChanges(e.path, e.state, want, { isLink });
    // Times are set through the link (os.utime follows it): on what it leads to, which must exist.
    if (isLink && !e.to && (times.mtime !== 'preserve' || times.atime !== 'preserve')) {
      throw new Error(`Error while updating modification or access time: ${e.path} is a symlink leading nowhere`);
    }
    const t = timeChanges(e.path, times, isLink ? e.to?.times : e.times);
    const own = [...attrs.steps, ...t.steps];
    let to = e.to;
    if (isLink && follow && e.to && !inTree.has(e.to.real)) {
      const target = attributeChanges(e.to.real, e.to.state, want);
      own.push(...target.steps);
      if (target.steps.length) {
        effects.push({ key: fileFact(e.to.real).key, unknown: true });
        to = { ...e.to, state: target.after };
      }
    }
    always ||= t.always;
    if (own.length) {
      changed++;
      effects.push({ key: fileFact(e.path).key, unknown: true });
    }
    steps.push(...own);
    after.push({ path: e.path, state: attrs.after, times: isLink ? e.times : t.after ?? e.times, to: to && isLink ? { ...to, times: t.after ?? to.times } : to });
  }
  if (always || changed) effects.push(always ? { key: treeFact(path).key, unknown: true } : { key: treeFact(path).key, value: { entries: after, truncated: false } });
  const notes = changed ? [`${changed} of ${tree.entries.length} entries below it`] : [];
  return { steps: batchByCommand(steps), notes, effects, always };
}
