// file's state: link and state: hard, as Ansible's ensure_symlink and ensure_hardlink decide: what may be replaced
// (force), what src must be, and where owner, group and mode go (a symlink's target when following it).
import { type FileState, fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import type { Effect, FactDef, Facts, Step } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { type Attrs, type Shown, attributeChanges } from './attrs.ts';
import { ansibleState, initialDiff, withShown } from './diff.ts';
import { type Followed, followFact, inodeFact } from './facts.ts';

/** `parentReady`: the directory it goes in is made by an earlier change of the same task (copy of a directory). */
export type LinkArgs = { path: string; src?: string; force?: boolean; follow?: boolean; parentReady?: boolean };
/**
 * What a link plan makes: steps, summary parts, effects; `shown`, what --diff shows (diff.ts), and `checkShown`, what
 * Ansible's check mode shows where that differs (a link not there yet: its attributes are not compared).
 */
export type Planned = { steps: Step[]; notes: string[]; effects: Effect[]; shown: Shown; checkShown?: Shown };

/** Where a symlink's src is looked for (Ansible's absrc): beside the link, or src itself when absolute. */
export const absSrc = (a: LinkArgs): string => (a.src!.startsWith('/') ? a.src! : `${parentDir(a.path).replace(/\/$/, '')}/${a.src}`.replace(/\/\.\//g, '/'));

/** A dir empty or not (a symlink may replace an empty one, with force). */
export function emptyDirFact(path: string): FactDef<boolean> {
  return { key: `empty-dir:${path}`, lazy: true, dependsOn: [`file:${path}/*`], script: `[ -z "$(ls -A -- ${shq(path)})" ] && echo empty || echo full`, parse: (out) => out.trim() === 'empty' };
}

/** What is at `path` following links (os.path.exists): its real path and state. */
export function followed(path: string, facts: Facts): Followed {
  const st = facts.get(fileFact(path));
  return st.state === 'link' ? facts.get(followFact(path)) : { real: path, state: st };
}

export function planSymlink(a: LinkArgs, now: FileState, want: Attrs, facts: Facts): Planned {
  const src = a.src!;
  const steps: Step[] = [];
  const notes: string[] = [];
  const abs = absSrc(a);
  const target = followed(abs, facts);
  if (!a.force && target.state.state === 'absent') throw new Error(`src file does not exist, use "force=yes" if you really want to create the link: ${abs}`);
  if (now.state === 'directory') {
    if (!a.force) throw new Error(`refusing to convert from directory to symlink for ${a.path}`);
    if (!facts.get(emptyDirFact(a.path))) throw new Error(`the directory ${a.path} is not empty, refusing to convert it`);
    steps.push({ exec: ['rmdir', '--', a.path] }, { exec: ['ln', '-s', '--', src, a.path] });
    notes.push(`link ${a.path} -> ${src} (was an empty directory)`);
  } else if ((now.state === 'file' || now.state === 'other') && !a.force) {
    throw new Error(`refusing to convert from file to symlink for ${a.path} (force: true replaces it)`);
  } else if (now.state === 'absent') {
    const dir = parentDir(a.path);
    if (dir !== '/' && !a.parentReady && facts.get(fileFact(dir)).state !== 'directory') throw new Error(`${a.path}: the directory ${dir} does not exist`);
    steps.push({ exec: ['ln', '-s', '--', src, a.path] });
    notes.push(`link ${a.path} -> ${src}`);
  } else if (now.state !== 'link' || now.target !== src) {
    steps.push({ exec: ['ln', '-sfn', '--', src, a.path] });
    notes.push(`link ${a.path} -> ${src}${now.state === 'link' ? ` (was -> ${now.target})` : ` (was a ${now.state})`}`);
  }
  const link: FileState = { state: 'link', target: src, owner: now.state === 'link' ? now.owner : 'root', group: now.state === 'link' ? now.group : 'root', mode: '0777' };
  const effects: Effect[] = [{ key: fileFact(a.path).key, value: link }, { key: fileContentFact(a.path).key, unknown: true }];
  // As ensure_symlink's diff: the state, a link's old and new src; in check mode a link not made yet has no attributes.
  const initial = withShown(initialDiff(a.path, 'link', ansibleState(now)), now.state === 'link' && now.target !== src ? { before: { src: now.target }, after: { src } } : { before: {}, after: {} });
  const checkShown = now.state === 'absent' ? initial : undefined;
  // Following the link (the default), owner, group and mode are its target's; a link leading nowhere is left as it is.
  if (a.follow !== false) {
    if (target.state.state === 'absent') return { steps, notes, effects, shown: initial, checkShown };
    const attrs = attributeChanges(target.real, target.state, want);
    if (attrs.steps.length) effects.push({ key: fileFact(target.real).key, value: attrs.after }, { key: followFact(abs).key, value: { real: target.real, state: attrs.after } });
    return { steps: [...steps, ...attrs.steps], notes: [...notes, ...attrs.notes.map((n) => `${target.real}: ${n}`)], effects, shown: withShown(initial, attrs.shown), checkShown };
  }
  const attrs = attributeChanges(a.path, link, want, { isLink: true, fresh: steps.length > 0 });
  effects[0] = { key: fileFact(a.path).key, value: attrs.after };
  return { steps: [...steps, ...attrs.steps], notes: [...notes, ...attrs.notes], effects, shown: withShown(initial, attrs.shown), checkShown };
}

export function planHardlink(a: LinkArgs, now: FileState, want: Attrs, facts: Facts): Planned {
  const src = a.src!;
  const from = facts.get(fileFact(src));
  if (from.state === 'absent') throw new Error(`src does not exist: ${src}`);
  const ino = facts.get(inodeFact(src));
  const had = facts.get(inodeFact(a.path));
  const steps: Step[] = [];
  const notes: string[] = [];
  const same = had != null && ino != null && had.id === ino.id;
  if (now.state === 'absent') {
    const dir = parentDir(a.path);
    if (dir !== '/' && facts.get(fileFact(dir)).state !== 'directory') throw new Error(`${a.path}: the directory ${dir} does not exist`);
    steps.push({ exec: ['ln', '-L', '--', src, a.path] });
  } else if (now.state === 'link') {
    if (now.target !== src) steps.push({ exec: ['ln', '-fL', '--', src, a.path] });
  } else if (now.state === 'directory') {
    if (!same) throw new Error(`${a.path} is a directory: a hard link cannot replace it`);
  } else if (!same) {
    if (!a.force) throw new Error(had != null && had.nlink > 1 ? 'Cannot link, different hard link exists at destination' : 'Cannot link, file exists at destination');
    steps.push({ exec: ['ln', '-fL', '--', src, a.path] });
  }
  if (steps.length) notes.push(`hard link ${a.path} => ${src}${now.state === 'absent' ? '' : ` (was a ${now.state === 'link' ? `symlink -> ${now.target}` : now.state})`}`);
  // One inode: what the path has once linked is what src has, and owner, group and mode set on it are src's too.
  const base: FileState = steps.length ? (from.state === 'link' ? followed(src, facts).state : from) : now;
  const attrs = attributeChanges(a.path, base, want);
  const effects: Effect[] = [{ key: fileFact(a.path).key, value: attrs.after }, { key: fileContentFact(a.path).key, unknown: true }];
  if (steps.length && ino != null) {
    const linked = { id: ino.id, nlink: ino.nlink + 1 };
    effects.push({ key: inodeFact(a.path).key, value: linked }, { key: inodeFact(src).key, value: linked });
  }
  if (attrs.steps.length) effects.push(from.state === 'link' ? { key: fileFact(src).key, unknown: true } : { key: fileFact(src).key, value: { ...attrs.after, sha256: from.sha256, size: from.size } });
  // As ensure_hardlink's diff: the state, a symlink's old src; in check mode a link not made yet has no attributes.
  const initial = withShown(initialDiff(a.path, 'hard', ansibleState(now)), now.state === 'link' && now.target !== src ? { before: { src: now.target }, after: { src } } : { before: {}, after: {} });
  return { steps: [...steps, ...attrs.steps], notes: [...notes, ...attrs.notes], effects, shown: withShown(initial, attrs.shown), ...(now.state === 'absent' ? { checkShown: initial } : {}) };
}
