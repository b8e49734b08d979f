// copy of a local directory, as Ansible's copy action sends one: each file copied (directories made on the way
// with owner, group and directory_mode), then each directory of the tree given owner, group and directory_mode,
// then each symlink made (file state: link, force). "dir/" copies what is in dir, "dir" dir itself.
import { ownerIds } from '../../facts/accounts.ts';
import { type FileState, ancestors, fileContentFact, fileFact } from '../../facts/files.ts';
import type { Change, FactDef, Facts, LocalTree, PlanContext } from '../../engine/module.ts';
import { MAX_COPY_SOURCE } from '../../engine/local-files.ts';
import { attributeChanges, umaskOf } from '../file/attrs.ts';
import { followFact } from '../file/facts.ts';
import { absSrc, emptyDirFact, planSymlink } from '../file/links.ts';
import { type FileContentAttrs, planFileContent } from './content.ts';

export type TreeArgs = FileContentAttrs & { dest: string; directory_mode?: string | number; follow?: boolean };

const under = (dest: string, rel: string) => `${dest.replace(/\/+$/, '')}/${rel}`;

/** Every directory the tree needs at dest, shallowest first: dest, those above it, and those each entry is in. */
function directoriesOf(a: TreeArgs, tree: LocalTree): string[] {
  const top = a.dest.replace(/\/+$/, '') || '/';
  const out = new Set<string>([...ancestors(`${top}/x`).reverse()]);
  const rels = [...tree.files.map((f) => f.rel), ...tree.symlinks.map((s) => s.rel)];
  for (const rel of rels) for (const d of ancestors(under(top, rel)).reverse()) out.add(d);
  for (const d of tree.directories) for (const p of [...ancestors(under(top, d)).reverse(), under(top, d)]) out.add(p);
  return [...out].filter((d) => d !== '/').sort((x, y) => x.split('/').length - y.split('/').length || x.localeCompare(y));
}

export function treeFacts(a: TreeArgs, tree: LocalTree): FactDef[] {
  return [
    ...directoriesOf(a, tree).map(fileFact),
    ...tree.files.flatMap((f) => [fileFact(under(a.dest, f.rel)), fileContentFact(under(a.dest, f.rel), { lazy: true }), followFact(under(a.dest, f.rel))]),
    ...tree.symlinks.flatMap((s) => {
      const link = { path: under(a.dest, s.rel), src: s.target };
      return [fileFact(link.path), fileFact(absSrc(link)), followFact(absSrc(link)), emptyDirFact(link.path)];
    }),
  ];
}

export function planTree(a: TreeArgs, tree: LocalTree, facts: Facts, ctx: PlanContext): Change[] {
  const want = { ...a, ...ownerIds(a, facts), ...umaskOf(a, facts) };
  const dirWant = { owner: a.owner, group: a.group, uid: want.uid, gid: want.gid, mode: a.directory_mode, ...umaskOf({ mode: a.directory_mode }, facts) };
  const listed = new Set(tree.directories.map((d) => under(a.dest, d)));
  const changes: Change[] = [];
  for (const d of directoriesOf(a, tree)) {
    const now = facts.get(fileFact(d));
    if (now.state !== 'absent' && now.state !== 'directory') throw new Error(`${d} exists and is a ${now.state}, not a directory: the tree cannot be copied there`);
    // Made: owner, group and directory_mode (os.makedirs, then Ansible's adjust of each new directory); there: only those the tree lists.
    if (now.state === 'directory' && !listed.has(d)) continue;
    const fresh = now.state === 'absent';
    const base: FileState = fresh ? { state: 'directory', mode: '0755', owner: 'root', group: 'root' } : now;
    const attrs = attributeChanges(d, base, dirWant, { fresh });
    if (!fresh && !attrs.steps.length) continue;
    changes.push({
      summary: fresh ? [`create directory ${d}`, ...attrs.notes].join(', ') : `${d}: ${attrs.notes.join(', ')}`,
      steps: [...(fresh ? [{ exec: ['mkdir', '--', d] }] : []), ...attrs.steps],
      effects: [{ key: fileFact(d).key, value: attrs.after }],
    });
  }
  // Files follow a symlink at dest only when the tree has no directories (Ansible's action sets follow: false then).
  const follow = tree.directories.length ? false : a.follow === true;
  for (const f of tree.files) {
    const dest = under(a.dest, f.rel);
    const now = facts.get(fileFact(dest));
    const mode = a.mode === 'preserve' ? ctx.localMode(f.path) : a.mode;
    const bytes = ctx.readLocal(f.path, { max: MAX_COPY_SOURCE, what: 'copy source' });
    const attrs = { owner: a.owner, group: a.group, mode, force: a.force, backup: a.backup, validate: a.validate };
    if (follow && now.state === 'link') {
      const to = facts.get(followFact(dest));
      if (to.state.state !== 'absent') {
        changes.push(...planFileContent(to.real, bytes, attrs, facts, undefined, { now: to.state, parentReady: true }));
        continue;
      }
    }
    changes.push(...planFileContent(dest, bytes, attrs, facts, undefined, { parentReady: true, replaceLink: true }));
  }
  for (const s of tree.symlinks) {
    const path = under(a.dest, s.rel);
    const p = planSymlink({ path, src: s.target, force: true, parentReady: true, follow: tree.directories.length ? false : undefined }, facts.get(fileFact(path)),
      { ...want, mode: a.mode === 'preserve' ? undefined : a.mode }, facts);
    if (p.steps.length) changes.push({ summary: p.notes.join(', '), steps: p.steps, effects: p.effects });
  }
  return changes;
}
