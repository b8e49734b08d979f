// copy with remote_src and a directory src: Ansible's copy module on the host (copytree when the target is not
// there; otherwise files that differ and entries only in src copied, common directories walked), then owner and
// group on everything below (chown_recursive), then owner, group and mode on the dest it names. "dir/" copies what
// is in dir into dest; "dir" makes dest/dir. A symlink in src is refused (Ansible's handling of one depends on
// local_follow in ways that leave links uncopied).
import { fileFact } from '../../facts/files.ts';
import type { Change, Effect, FactDef, Facts, Step } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { attributeChanges } from '../file/attrs.ts';
import { MAX_TREE } from '../file/facts.ts';
import type { FileContentAttrs } from './content.ts';

type Entry = { type: string; mode: string; owner: string; group: string; sha256?: string };
/** A directory on the host: its mode and every entry below it by relative path; undefined when no directory is there. */
export type RemoteTree = { mode: string; owner: string; group: string; entries: Record<string, Entry>; truncated: boolean } | undefined;

export function remoteTreeFact(path: string): FactDef<RemoteTree> {
  const p = shq(path.replace(/(.)\/+$/, '$1'));
  return {
    key: `remote-tree:${path.replace(/(.)\/+$/, '$1')}`,
    dependsOn: [fileFact(path).key, `file:${path.replace(/\/+$/, '')}/*`],
    script: [
      `[ -d ${p} ] && [ ! -L ${p} ] || { echo absent; exit 0; }; stat -c '%a %U %G' ${p};`,
      `find ${p} -mindepth 1 -printf '%y %m %u %g\\0%P\\0' | head -z -n ${2 * (MAX_TREE + 1)}; printf '@sums\\0';`,
      `cd ${p} && find . -mindepth 1 -type f -print0 | head -z -n ${MAX_TREE + 1} | xargs -0 -r sha256sum -z --`,
    ].join(' '),
    parse(out) {
      if (out.startsWith('absent')) return undefined;
      const nl = out.indexOf('\n');
      const [list, sums = ''] = out.slice(nl + 1).split('@sums\0');
      const parts = list.split('\0');
      const entries: Record<string, Entry> = {};
      for (let i = 0; i + 1 < parts.length; i += 2) {
        const [type, mode, owner, group] = parts[i].split(' ');
        entries[parts[i + 1]] = { type, mode: mode.padStart(4, '0'), owner, group };
      }
      for (const s of sums.split('\0').filter(Boolean)) {
        const e = entries[s.slice(66).replace(/^\.\//, '')];
        if (e) e.sha256 = s.slice(0, 64);
      }
      const [mode, owner, group] = out.slice(0, nl).split(' ');
      return { mode: mode.padStart(4, '0'), owner, group, entries, truncated: Object.keys(entries).length > MAX_TREE };
    },
  };
}

const base = (src: string) => src.replace(/\/+$/, '').replace(/^.*\//, '');
const join = (a: string, b: string) => `${a.replace(/\/+$/, '')}/${b}`;

/** The facts: the source's tree, dest's, and for "dir" the tree of dest/dir. */
export const remoteTreeFacts = (src: string, dest: string): FactDef[] =>
  [remoteTreeFact(src), remoteTreeFact(dest), ...(src.endsWith('/') ? [] : [remoteTreeFact(join(dest, base(src)))])];

export function planRemoteTree(src: string, dest: string, attrs: FileContentAttrs, facts: Facts): Change[] {
  const from = facts.get(remoteTreeFact(src))!;
  const there = facts.get(fileFact(dest));
  if (from.truncated) throw new Error(`remote_src: ${src} has more than ${MAX_TREE} entries: too large to copy this way`);
  const link = Object.entries(from.entries).find(([, e]) => e.type !== 'f' && e.type !== 'd');
  if (link) throw new Error(`remote_src with a directory holding a symlink or special file (${join(src, link[0])}) is not supported`);
  if (there.state !== 'absent' && there.state !== 'directory') throw new Error(`${dest} exists and is a ${there.state}: a directory cannot be copied there`);
  const slash = src.endsWith('/');
  const destIsDir = there.state === 'directory';
  // The path Ansible's copy names dest in the end (owner, group and mode go there), and what owner and group go through.
  const named = destIsDir ? (slash ? dest : join(dest, base(src))) : dest;
  const target = slash ? dest : join(dest, base(src));
  const targetTree = slash ? facts.get(remoteTreeFact(dest)) : facts.get(remoteTreeFact(target));
  const steps: Step[] = [];
  const notes: string[] = [];
  let after: Map<string, Entry>;
  if (!targetTree && (slash || destIsDir)) {
    // copytree: the whole directory, modes and times kept; its owner and group then set on all of dest.
    steps.push({ exec: ['cp', '-R', '--preserve=mode,timestamps', '--', src.replace(/\/+$/, ''), target.replace(/\/+$/, '')] });
    notes.push(`copy ${src} to ${target} on the host (${Object.keys(from.entries).length} entries)`);
    after = new Map(Object.entries(from.entries));
  } else {
    const have = new Map(Object.entries(targetTree?.entries ?? {}));
    if (!targetTree) {
      steps.push({ exec: ['mkdir', '-p', '--', target] });
      notes.push(`create directory ${target}`);
    }
    after = new Map(have);
    let copied = 0;
    const done: string[] = [];
    for (const [rel, e] of Object.entries(from.entries).sort(([x], [y]) => x.localeCompare(y))) {
      if (done.some((d) => rel.startsWith(`${d}/`))) continue;
      const at = have.get(rel);
      if (!at && e.type === 'd') {
        steps.push({ exec: ['cp', '-R', '--preserve=mode,timestamps', '--', join(src, rel), join(target, rel)] });
        done.push(rel);
        for (const [r, x] of Object.entries(from.entries)) if (r === rel || r.startsWith(`${rel}/`)) after.set(r, x);
      } else if (e.type === 'f' && (!at || (at.type === 'f' && at.sha256 !== e.sha256))) {
        steps.push({ exec: ['cp', '--preserve=mode', '--', join(src, rel), join(target, rel)] });
        after.set(rel, { ...e, owner: at?.owner ?? 'root', group: at?.group ?? 'root' });
      } else continue;
      copied++;
    }
    if (copied) notes.push(`${copied} entries copied from ${src} on the host`);
  }
  // chown_recursive walks the copy (Ansible's dest by then names it), its top too.
  const walked = new Map<string, Entry>([[target.replace(/\/+$/, ''), { type: 'd', mode: targetTree?.mode ?? from.mode, owner: targetTree?.owner ?? 'root', group: targetTree?.group ?? 'root' }]]);
  for (const [rel, e] of after) walked.set(join(target, rel), e);
  const chown: string[] = [];
  for (const [full, e] of walked) {
    if ((attrs.owner && e.owner !== attrs.owner) || (attrs.group && e.group !== attrs.group)) chown.push(full);
  }
  const spec = `${attrs.owner ?? ''}${attrs.group ? `:${attrs.group}` : ''}`;
  for (let i = 0; i < chown.length; i += 200) steps.push({ exec: ['chown', '-h', spec, '--', ...chown.slice(i, i + 200)] });
  if (chown.length) notes.push(`owner ${spec} on ${chown.length} entries`);
  // Last, owner, group and mode of the path Ansible's copy names dest.
  // What is at that path once copied: made by copytree (src's mode), by makedirs (0755), or there already; chowned above.
  const made = there.state === 'absent' ? (slash ? from.mode : '0755') : undefined;
  const was = walked.get(named.replace(/\/+$/, ''));
  const namedNow = { state: 'directory' as const, mode: made ?? (named === dest ? there.mode : targetTree?.mode ?? from.mode),
    owner: was && chown.includes(named.replace(/\/+$/, '')) ? attrs.owner ?? was.owner : was?.owner ?? (made ? 'root' : there.owner),
    group: was && chown.includes(named.replace(/\/+$/, '')) ? attrs.group ?? was.group : was?.group ?? (made ? 'root' : there.group) };
  const top = attributeChanges(named, namedNow, attrs);
  steps.push(...top.steps);
  notes.push(...top.notes.map((n) => `${named}: ${n}`));
  if (!steps.length) return [];
  const effects: Effect[] = [
    { key: fileFact(dest).key, unknown: true }, { key: fileFact(named).key, unknown: true }, { prefix: `file:${dest.replace(/\/+$/, '')}/`, unknown: true },
    { prefix: `remote-tree:${dest.replace(/\/+$/, '')}`, unknown: true },
  ];
  return [{ summary: notes.join(', '), steps, effects }];
}
