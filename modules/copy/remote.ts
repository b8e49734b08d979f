// copy with remote_src: the source is a file on the host, copied there as Ansible's copy module copies it (a
// temporary file beside dest, the source's times kept, dest's owner and mode when it exists, then renamed over it).
import { ownerIds } from '../../facts/accounts.ts';
import { type FileState, fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import type { Change, FactDef, Facts, Step } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { resolveMode } from '../file-mode.ts';
import { attributeChanges, umaskOf } from '../file/attrs.ts';
import type { FileContentAttrs } from './content.ts';

/** What is at the source on the host, links followed (os.path.exists, isfile): a file's mode, size, sha256 and sha1. */
export type RemoteSource = { state: 'absent' | 'file' | 'directory' | 'other'; mode?: string; size?: number; sha256?: string; sha1?: string };

export function remoteSourceFact(src: string): FactDef<RemoteSource> {
  const p = shq(src);
  return {
    key: `remote-source:${src}`,
    dependsOn: [fileFact(src).key],
    script: [
      `if [ -d ${p} ]; then echo directory; elif [ -f ${p} ]; then`,
      `echo "file $(stat -L -c '%a %s' -- ${p}) $(sha256sum < ${p} | cut -c1-64) $(sha1sum < ${p} | cut -c1-40)";`,
      `elif [ -e ${p} ]; then echo other; else echo absent; fi`,
    ].join(' '),
    parse(out) {
      const [state, mode, size, sha256, sha1] = out.trim().split(' ');
      if (state !== 'file') return { state: state as RemoteSource['state'] };
      return { state: 'file', mode: mode.padStart(4, '0'), size: Number(size), sha256, sha1 };
    },
  };
}

/**
 * The changes that make `dest` (already resolved: a symlink followed or to be replaced) a copy of the host's file
 * `src`. `now`: what is at dest (a symlink counts as nothing there: it is replaced).
 */
export function planRemoteCopy(src: string, from: RemoteSource, dest: string, now: FileState, attrs: FileContentAttrs, facts: Facts, parentDef: FactDef<FileState> | undefined): Change[] {
  if (attrs.validate) throw new Error('validate with remote_src is not supported: Ansible\'s copy gives the source itself the owner and mode asked, to validate it');
  if (attrs.backup) throw new Error('backup with remote_src is not supported');
  if (attrs.force === false && now.state !== 'absent') return [];
  if (now.state === 'directory') throw new Error(`${dest} is a directory: name the file to write inside it`);
  if (now.state === 'other') throw new Error(`${dest} exists and is not a regular file`);
  const want = { ...attrs, ...ownerIds(attrs, facts), ...umaskOf(attrs, facts) };
  if (now.state === 'file' && now.sha256 === from.sha256) {
    const c = attributeChanges(dest, now, want);
    return c.steps.length ? [{ summary: `${dest}: ${c.notes.join(', ')}`, steps: c.steps, effects: [{ key: fileFact(dest).key, value: c.after }] }] : [];
  }
  const fresh = now.state === 'absent';
  if (fresh && parentDef && facts.get(parentDef).state !== 'directory') throw new Error(`Destination directory ${parentDir(dest)} does not exist`);
  // A new file is the umask's 0644 and the task user's; one replaced keeps its owner and mode (atomic_move), then the arguments apply.
  const base: FileState = fresh ? { state: 'file', mode: '0644', owner: 'root', group: 'root' } : now;
  const mode = attrs.mode !== undefined ? resolveMode(attrs.mode, { mode: base.mode, directory: false }, want.umask) : base.mode!;
  const owner = attrs.owner ?? base.owner!;
  const group = attrs.group ?? base.group!;
  const tmp = `${parentDir(dest).replace(/\/$/, '')}/.${dest.slice(parentDir(dest).length).replace(/^\//, '')}.provision-copy`;
  const steps: Step[] = [
    { exec: ['cp', '--preserve=timestamps', '--', src, tmp] },
    { exec: ['chmod', mode, '--', tmp] },
    ...(fresh && !attrs.owner && !attrs.group ? [] : [{ exec: ['chown', `${owner}:${group}`, '--', tmp] }]),
    { exec: ['mv', '-fT', '--', tmp, dest] },
  ];
  const notes = attributeChanges(dest, base, want, { fresh }).notes;
  return [{
    summary: [`${fresh ? 'copy' : 'update'} ${dest} from ${src} on the host`, ...notes].join(', '),
    steps,
    effects: [
      { key: fileFact(dest).key, value: { state: 'file', mode, owner, group, size: from.size, sha256: from.sha256, ...(attrs.owner ? { uid: want.uid } : {}), ...(attrs.group ? { gid: want.gid } : {}) } },
      { key: fileContentFact(dest).key, unknown: true },
    ],
  }];
}
