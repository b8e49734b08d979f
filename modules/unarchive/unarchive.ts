// unarchive: an archive (tar, tar.gz, tar.bz2, tar.xz, tar.zst, zip) unpacked into an existing directory, as
// Ansible's unarchive decides it: `creates` there skips the task; `tar --diff` or zipinfo against dest (read on the
// host by probe-py.ts, judged by compare.ts) says whether to unpack; then owner, group and mode of every path the
// archive names. src is a file here (its bytes travel to the host), or with remote_src a path or URL on the host.
import { createHash } from 'node:crypto';
import { ownerFacts, ownerIds, requireOwner } from '../../facts/accounts.ts';
import { fileFact } from '../../facts/files.ts';
import { type Change, type FactDef, type Facts, type PlanContext, type Step, defineModule, readOnly } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { SYMBOLIC_CHMOD_PY, isSymbolic, modeSchema, octal, resolveMode } from '../file-mode.ts';
import { type DiskEntry, type RawProbe, type ArchiveVerdict, tarVerdict, zipVerdict } from './compare.ts';
import { PROBE_PY } from './probe-py.ts';
import { pyScript } from '../host-python.ts';
import { refused } from '../refused.ts';

export type UnarchiveArgs = {
  src: string; dest: string; remote_src?: boolean; copy?: boolean; creates?: string; list_files?: boolean; keep_newer?: boolean;
  exclude?: string[]; include?: string[]; extra_opts?: string[]; validate_certs?: boolean; io_buffer_size?: number; decrypt?: boolean;
  owner?: string; group?: string; mode?: string | number;
};

/** The archive against dest, judged: the handler, the paths it names (and their top folders), whether unpacked. */
export type ArchiveState = { error: string } | (ArchiveVerdict & {
  handler: string; cmd: string; flag?: string; files: string[]; tops: string[]; disk: Record<string, DiskEntry | null>; absent: boolean;
  /** The umask on the host, for a symbolic mode's clauses that name no one. */
  umask?: number });

const MAX_ARCHIVE = 32 * 2 ** 20;
const LOCALE = { LANG: 'C', LC_ALL: 'C', LC_MESSAGES: 'C', LANGUAGE: 'C' };
const dirOf = (a: UnarchiveArgs) => a.dest.replace(/(.)\/+$/, '$1');
const remote = (a: UnarchiveArgs) => (a.copy !== undefined ? !a.copy : a.remote_src ?? false);
const isUrl = (a: UnarchiveArgs) => remote(a) && a.src.includes('://');
const wantMode = (a: UnarchiveArgs) => (a.mode === undefined || isSymbolic(a.mode) ? undefined : Number.parseInt(octal(a.mode), 8));
/** The mode a path is to have: the octal mode given, or the symbolic one applied to the path's own (with the host's umask). */
function targetMode(a: UnarchiveArgs, umask: number | undefined): ((d: DiskEntry) => number) | number | undefined {
  if (!isSymbolic(a.mode)) return wantMode(a);
  const sym = a.mode;
  return (d) => Number.parseInt(resolveMode(sym, { mode: d.mode.toString(8).padStart(4, '0'), directory: d.t === 'd' }, umask), 8);
}
const modeOf = (m: ReturnType<typeof targetMode>, d: DiskEntry) => (typeof m === 'function' ? m(d) : m);

/** The archive's bytes, when it is a file here. */
function localBytes(a: UnarchiveArgs, ctx: PlanContext): Buffer | undefined {
  return remote(a) ? undefined : ctx.readLocal(a.src, { max: MAX_ARCHIVE, what: 'unarchive source' });
}

export function archiveFact(a: UnarchiveArgs, ctx: PlanContext): FactDef<ArchiveState> {
  const bytes = localBytes(a, ctx);
  const opts = { exclude: a.exclude ?? [], include: a.include ?? [], extra_opts: a.extra_opts ?? [], owner: a.owner, group: a.group, keep_newer: a.keep_newer ?? false,
    io: a.io_buffer_size ?? 65536, validate_certs: a.validate_certs ?? true, mode: a.mode };
  const given = bytes ? { data: bytes.toString('base64') } : isUrl(a) ? { url: a.src } : { src: a.src };
  const id = createHash('sha256').update(JSON.stringify(opts)).update(bytes ?? '').digest('hex').slice(0, 12);
  return {
    key: `unarchive:${a.src} -> ${dirOf(a)} #${id}`,
    // What is unpacked under dest: an earlier unarchive into it (which makes what is under it unknown) changes it;
    // so does the archive on the host an earlier task writes, and a zip's unzip an earlier package install brings.
    dependsOn: [`file:${dirOf(a)}/`, ...(remote(a) && !isUrl(a) ? [fileFact(a.src).key] : []), ...(/\.zip$/i.test(a.src) ? ['file:/usr/bin/unzip'] : [])],
    script: pyScript('unarchive', { ...given, ...opts, dest: dirOf(a) }, PROBE_PY),
    parse(out, code): ArchiveState {
      if (code === 127) return { error: 'unarchive reads the archive with python3 on the host, and there is none' };
      let p: RawProbe;
      try {
        p = JSON.parse(out.trim().split('\n').at(-1) ?? '') as RawProbe;
      } catch {
        return { error: `reading the archive on the host exited ${code}: ${out.trim() || 'no output'}` };
      }
      if (p.error !== undefined) return { error: p.error };
      const verdict = p.handler.startsWith('Zip') ? zipVerdict(p, opts, targetMode(a, p.run.umask)) : tarVerdict(p, opts);
      const tops = [...new Set(p.files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))];
      return { ...verdict, handler: p.handler, cmd: p.cmd, flag: p.flag, files: p.files, tops, disk: p.disk, absent: p.run.absent, umask: p.run.umask };
    },
  };
}

/** `sh -c` of this, then the source ("-": stdin; else a URL and whether to check its certificate), then the command with @archive@ for the file. */
const WITH_ARCHIVE = [
  'set -e', 't=$(mktemp)', `trap 'rm -f "$t"' EXIT`,
  'if [ "$1" = - ]; then cat > "$t"; else python3 -c \'import shutil,ssl,sys,urllib.request as u',
  'c=None if sys.argv[2]=="1" else ssl._create_unverified_context()',
  'shutil.copyfileobj(u.urlopen(sys.argv[1],timeout=10,context=c),open(sys.argv[3],"wb"))\' "$1" "$2" "$t"; fi',
  'shift 2', 'n=$#',
  'while [ "$n" -gt 0 ]; do x=$1; shift; if [ "$x" = @archive@ ]; then x=$t; fi; set -- "$@" "$x"; n=$((n-1)); done',
  '"$@"',
].join('\n');

/** Paths given to a command in groups, so that no command line grows too long. */
const groups = (paths: string[]) => Array.from({ length: Math.ceil(paths.length / 200) }, (_, i) => paths.slice(i * 200, i * 200 + 200));
/** chmod every path that is not a symlink (chmod would follow it out of dest). */
const CHMOD = 'm=$1; shift; for p; do [ -L "$p" ] || chmod "$m" -- "$p"; done';

function attributeSteps(a: UnarchiveArgs, paths: string[], mode: number | undefined, umask: number | undefined): Step[] {
  const steps: Step[] = [];
  const spec = `${a.owner ?? ''}${a.group ? `:${a.group}` : ''}`;
  for (const g of groups(paths)) {
    if (spec) steps.push({ exec: ['chown', '-h', spec, '--', ...g] });
    if (mode !== undefined) steps.push({ exec: ['sh', '-c', CHMOD, 'chmod', mode.toString(8).padStart(4, '0'), ...g] });
    // A symbolic mode is applied to each path's own mode, known only on the host after unpacking, as Ansible does.
    else if (isSymbolic(a.mode)) steps.push({ exec: ['python3', '-c', SYMBOLIC_CHMOD_PY, a.mode, (umask ?? 0o022).toString(8), ...g] });
  }
  return steps;
}

function extractStep(a: UnarchiveArgs, s: Extract<ArchiveState, { handler: string }>, ctx: PlanContext): Step {
  const src = remote(a) && !isUrl(a) ? a.src : '@archive@';
  const excludes = a.exclude ?? [];
  const argv = s.handler.startsWith('Zip')
    ? [s.cmd, '-o', ...(a.extra_opts ?? []), src, ...(excludes.length + s.newer.length ? ['-x', ...excludes, ...s.newer] : []), ...(a.include ?? []), '-d', dirOf(a)]
    : [s.cmd, '--extract', '-C', dirOf(a), ...(s.flag ? [s.flag] : []), ...(a.extra_opts?.length ? ['--show-transformed-names', ...a.extra_opts] : []),
      ...(a.owner ? [`--owner=${a.owner}`] : []), ...(a.group ? [`--group=${a.group}`] : []), ...(a.keep_newer ? ['--keep-newer-files'] : []),
      ...excludes.map((e) => `--exclude=${e.replace(/\/+$/, '')}`), '-f', src, ...(a.include ?? [])];
  const env = s.handler.startsWith('Zip') ? undefined : LOCALE;
  if (src !== '@archive@') return { exec: argv, cwd: dirOf(a), ...(env ? { env } : {}) };
  const bytes = localBytes(a, ctx);
  return { exec: ['sh', '-c', WITH_ARCHIVE, 'unarchive', bytes ? '-' : a.src, a.validate_certs === false ? '0' : '1', ...argv], cwd: dirOf(a),
    ...(bytes ? { stdin: bytes } : {}), ...(env ? { env } : {}) };
}

function plan(a: UnarchiveArgs, facts: Facts, ctx: PlanContext): Change[] {
  if (localBytes(a, ctx)?.subarray(0, 15).toString() === '$ANSIBLE_VAULT;') {
    throw new Error(`${a.src} is encrypted with Ansible Vault: an encrypted archive (decrypt) is not supported`);
  }
  if (facts.get(fileFact(dirOf(a))).state !== 'directory') throw new Error(`dest '${a.dest}' must be an existing dir`);
  const fact = archiveFact(a, ctx);
  const s = facts.get(fact);
  if ('error' in s && s.error !== undefined && !('handler' in s)) throw new Error(s.error);
  const state = s as Extract<ArchiveState, { handler: string }>;
  if (state.error) throw new Error(state.error);
  requireOwner(a, facts, 'unarchive');
  const mode = wantMode(a);
  const target = targetMode(a, state.umask);
  const { uid, gid } = ownerIds(a, facts);
  const paths = [...new Set([...state.files, ...state.tops])];
  const abs = (p: string) => `${dirOf(a)}/${p}`;
  const differs = (d: DiskEntry | null) => d !== null && ((uid !== undefined && d.uid !== uid) || (gid !== undefined && d.gid !== gid)
    || (target !== undefined && d.t !== 'l' && d.mode !== modeOf(target, d)));
  const after = Object.fromEntries(paths.map((p) => {
    const d = state.disk[p] ?? { t: 'f', mode: mode ?? 0, size: 0, mtime: 0, uid: uid ?? 0, gid: gid ?? 0, owner: a.owner ?? null, group: a.group ?? null };
    return [p, { ...d, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(target !== undefined && d.t !== 'l' ? { mode: modeOf(target, d) } : {}) }];
  }));
  // Unpacked anew with a symbolic mode: each path's mode follows the archive's, which only unpacking tells.
  const known = !(typeof target === 'function' && (!state.unarchived || paths.some((p) => !state.disk[p])));
  const effects = [
    known ? { key: fact.key, value: { ...state, unarchived: true, reasons: [], newer: [], ...(state.itemized ? { itemized: [] } : {}), disk: { ...state.disk, ...after } } } : { key: fact.key, unknown: true as const },
    { prefix: `file:${dirOf(a)}/`, unknown: true as const }, { prefix: `content:${dirOf(a)}/`, unknown: true as const },
  ];
  const attrs = a.owner || a.group || target !== undefined;
  if (!state.unarchived) {
    return [{
      summary: `unpack ${a.src} into ${dirOf(a)} (${state.files.length} path${state.files.length === 1 ? '' : 's'}${state.reasons.length ? `; ${state.reasons[0]}${state.reasons.length > 1 ? ', ...' : ''}` : ''})`,
      // --diff as Ansible's: a zip's itemized lines (its ZipArchive's; a tar's handler makes none).
      ...(state.itemized?.length ? { diff: { path: dirOf(a), before: null, after: null, prepared: state.itemized.map((l) => `${l}\n`).join('') } } : {}),
      steps: [extractStep(a, state, ctx), ...(attrs ? attributeSteps(a, paths.map(abs), mode, state.umask) : [])],
      effects,
    }];
  }
  const wrong = paths.filter((p) => differs(state.disk[p]));
  if (!wrong.length) return [];
  return [{ summary: `${dirOf(a)}: owner or mode of ${wrong.length} unpacked path${wrong.length === 1 ? '' : 's'}`, steps: attributeSteps(a, wrong.map(abs), mode, state.umask), effects }];
}

function returned(a: UnarchiveArgs, facts: Facts, ctx: PlanContext | undefined): Record<string, unknown> {
  if (!ctx) throw new Error('unarchive: what it returns is read with the task\'s plan context');
  const s = facts.get(archiveFact(a, ctx));
  if (!('handler' in s)) return { dest: a.dest, src: a.src };
  return { dest: a.dest, src: a.src, handler: s.handler, ...(a.list_files ? { files: s.files } : {}) };
}

const strings = { type: 'array', items: { type: 'string' }, default: [] };

export default defineModule<UnarchiveArgs>({
  name: 'unarchive',
  fqcn: ['ansible.builtin.unarchive', 'ansible.legacy.unarchive'],
  description: 'Unpack a tar (gz, bz2, xz, zst) or zip archive into an existing directory, from a local file, a path on the host or a URL, unless Ansible\'s tar --diff or zipinfo comparison finds it unpacked; creates, include/exclude, extra_opts, keep_newer, owner, group, mode, list_files.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: {
      src: { type: 'string', minLength: 1 },
      // GNU tar reads a backslash escape (\\, \n, \t, \NNN...) in the directory of -C: Ansible's unarchive fails on such a dest.
      dest: { type: 'string', pattern: '^/(?![^]*\\\\[\\\\abfnrtv?0-7])', description: 'an absolute path of a directory that exists, with no backslash escape tar reads (\\\\, \\n, \\t, \\101...)' },
      remote_src: { type: 'boolean', default: false },
      copy: { type: 'boolean', description: 'deprecated: the opposite of remote_src' },
      creates: { type: 'string', pattern: '^/', description: 'an absolute path: when it exists, the task is skipped' },
      list_files: { type: 'boolean', default: false },
      keep_newer: { type: 'boolean', default: false },
      exclude: strings,
      include: strings,
      extra_opts: strings,
      validate_certs: { type: 'boolean', default: true },
      io_buffer_size: { type: 'integer', minimum: 1, default: 65536 },
      decrypt: { type: 'boolean', default: true },
      owner: { type: 'string', minLength: 1 },
      group: { type: 'string', minLength: 1 },
      mode: modeSchema,
      attributes: refused('left out: attributes (chattr) is not supported'),
      seuser: refused('left out: SELinux contexts are not supported'),
      serole: refused('left out: SELinux contexts are not supported'),
      setype: refused('left out: SELinux contexts are not supported'),
      selevel: refused('left out: SELinux contexts are not supported'),
      unsafe_writes: refused('left out: unsafe_writes is not supported'),
    },
    allOf: [
      { not: { required: ['include', 'exclude'] }, description: 'include and exclude are mutually exclusive: give one' },
      { not: { required: ['copy', 'remote_src'] }, description: 'copy and remote_src are mutually exclusive: give one (copy is the deprecated opposite of remote_src)' },
    ],
  },
  facts: (a, ctx) => [archiveFact(a, ctx), readOnly(fileFact(dirOf(a))), ...(a.creates ? [readOnly(fileFact(a.creates))] : []), ...ownerFacts(a)],
  skips: (a, facts) => (a.creates && facts.get(fileFact(a.creates)).state !== 'absent' ? `skipped, since ${a.creates} exists` : undefined),
  plan,
  returns: (a, facts, ctx) => returned(a, facts, ctx),
  returnsChanged: (a, facts, _changes, _stdout, ctx) => returned(a, facts, ctx),
  localSources: (a) => (typeof a.src === 'string' && a.remote_src !== true && a.copy !== false
    ? [{ arg: 'src', path: a.src, kind: 'file', max: MAX_ARCHIVE, what: 'unarchive source' }] : []),
});
