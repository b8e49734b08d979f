// apt_repository: one `deb`/`deb-src` line present or absent in apt's one-line source lists, as Ansible's
// apt_repository does it (sources-list.ts): a disabled copy anywhere enabled, else the line appended to a file
// named after the repository in sources.list.d; every list rewritten in Ansible's normalized form when anything
// changes; then apt-get update, and on its failure the lists put back as they were. PPAs (Ubuntu's) are refused.
import { type Change, type Effect, type FactDef, type Facts, defineModule } from '../../engine/module.ts';
import { aptListsAgeFact } from '../../facts/debs.ts';
import { fileContentFact, fileFact } from '../../facts/files.ts';
import { updateStep } from '../apt.ts';
import { modeSchema, needsUmask, resolveMode, umaskFact } from '../file-mode.ts';
import { InvalidSource, type SourcesList, addSource, dump, loadFile, parseLine, removeSource, suggestFilename } from './sources-list.ts';

export type AptRepositoryArgs = {
  repo: string; state?: 'present' | 'absent'; mode?: string | number; update_cache?: boolean; update_cache_retries?: number;
  update_cache_retry_max_delay?: number; filename?: string; install_python_apt?: boolean; validate_certs?: boolean; codename?: string;
};

/** apt's one-line source lists: where apt-config says they are, and each file's text, sources.list first. */
export type SourceFiles = { list: string; parts: string; files: Array<{ path: string; text?: string; bad?: string }> };

const LIST = '/etc/apt/sources.list';
const PARTS = '/etc/apt/sources.list.d/';

export function sourceFilesFact(): FactDef<SourceFiles> {
  return {
    key: 'apt-source-lists',
    script: [
      `eval "$(apt-config shell S Dir::Etc::sourcelist/f P Dir::Etc::sourceparts/d 2>/dev/null)"; S=\${S:-${LIST}}; P=\${P:-${PARTS}};`,
      `printf 'list\\t%s\\nparts\\t%s\\n' "$S" "$P";`,
      `for f in "$S" "$P"*.list; do if [ -f "$f" ]; then printf 'file\\t%s\\t' "$(printf %s "$f" | base64 -w0)"; base64 -w0 < "$f"; echo; fi; done`,
    ].join(' '),
    parse(out) {
      const r: SourceFiles = { list: LIST, parts: PARTS, files: [] };
      for (const line of out.split('\n')) {
        const [kind, a = '', b = ''] = line.split('\t');
        if (kind === 'list') r.list = a;
        else if (kind === 'parts') r.parts = a;
        else if (kind === 'file') {
          const path = Buffer.from(a, 'base64').toString('utf8');
          const buf = Buffer.from(b, 'base64');
          const text = buf.toString('utf8');
          r.files.push(Buffer.from(text, 'utf8').equals(buf) ? { path, text } : { path, bad: 'not UTF-8 text' });
        }
      }
      return r;
    },
  };
}

/** The file this task's line goes into when no copy of it is found (a name in sources.list.d). */
function targetPath(a: AptRepositoryArgs): string | undefined {
  try {
    return `${PARTS}${suggestFilename(parseLine(a.repo).source, a.filename)}`;
  } catch {
    return undefined; // the plan says why
  }
}

/**
 * Runs the update (the words after $1 triples), and if it fails, puts back the lists as they were: each triple is
 * "w PATH TEXT" (rewritten in place) or "rm PATH -" (a file this task made). Constant text: all else is argv.
 */
const UPDATE_OR_REVERT = [
  'n=$1; shift',
  '( shift $((3 * n)); exec "$@" ); rc=$?',
  '[ $rc -eq 0 ] && exit 0',
  'while [ "$n" -gt 0 ]; do',
  '  if [ "$1" = rm ]; then rm -f -- "$2"; else printf %s "$3" > "$2"; fi',
  '  shift 3; n=$((n - 1))',
  'done',
  'echo "Failed to update apt cache (exit $rc): the source lists are put back as they were" >&2',
  'exit $rc',
].join('\n');

/** Everything a change of the lists may make stale: the files under /etc/apt, apt's lists and candidates. */
const LIST_EFFECTS: Effect[] = [
  { prefix: 'file:/etc/apt/', unknown: true }, { prefix: 'content:/etc/apt/', unknown: true },
  { key: 'apt-source-lists', unknown: true }, { key: aptListsAgeFact().key, unknown: true }, { prefix: 'apt-candidates:', unknown: true },
];

/** The mode Ansible's set_mode_if_different gives the file a line was added to (a new file starts as 0644). */
function modeOf(mode: string | number, path: string, facts: Facts): string {
  const now = facts.get(fileFact(path));
  return resolveMode(mode, { mode: now.state === 'file' ? now.mode : '0644', directory: false }, needsUmask(mode) ? facts.get(umaskFact) : undefined);
}

export default defineModule<AptRepositoryArgs>({
  name: 'apt_repository',
  fqcn: ['ansible.builtin.apt_repository', 'ansible.legacy.apt_repository'],
  aliases: { 'update-cache': 'update_cache' },
  description: 'A one-line apt source (deb/deb-src) present or absent in sources.list(.d), written as Ansible writes it; apt-get update after a change.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['repo'],
    properties: {
      repo: { type: 'string', minLength: 1, pattern: '^[^\\n\\r]*$', description: 'one source line like "deb http://deb.debian.org/debian bookworm-backports main"' },
      state: { enum: ['present', 'absent'], default: 'present' },
      mode: { ...modeSchema, description: `the mode of a list file a line is added to (as Ansible: only then): ${modeSchema.description}` },
      update_cache: { type: 'boolean', default: true, description: 'apt-get update after a change' },
      update_cache_retries: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'how many times apt-get update is tried (at least once)' },
      update_cache_retry_max_delay: { type: 'integer', minimum: 0, maximum: 3600, default: 12, description: 'the longest wait between tries, in seconds' },
      filename: { type: 'string', pattern: '^[^/.\\n][^/\\n]*$', description: 'a file name in sources.list.d, without ".list" (added), "/" or a leading "."' },
      install_python_apt: { type: 'boolean', default: true, description: 'accepted: provision needs no python3-apt on the host' },
      validate_certs: { type: 'boolean', default: true, description: 'accepted: only used by Ansible to reach Launchpad for a PPA, which is refused' },
      codename: { type: 'string', description: 'accepted: Ansible uses it only for a PPA, which is refused' },
    },
  },
  facts(a) {
    const target = targetPath(a);
    // The mode of the file a line goes into, when one is given: a symbolic one is applied to the mode it has.
    const modeFacts = a.mode !== undefined && target ? [fileFact(target), ...(needsUmask(a.mode) ? [umaskFact] : [])] : [];
    return [sourceFilesFact(), fileContentFact(LIST), ...(target ? [fileContentFact(target)] : []), ...modeFacts];
  },
  plan(a, facts) {
    if (a.repo.startsWith('ppa:')) {
      throw new Error(`repo ${JSON.stringify(a.repo)}: the PPA form (ppa:...) is not supported: PPAs are Ubuntu's (Launchpad), and this is for Debian; give the deb line, and its key with apt_key or deb822_repository's signed_by`);
    }
    const lists = facts.get(sourceFilesFact());
    // The files this task may write, as other tasks left them (a copy before it, in --check): their content facts.
    const raw = new Map(lists.files.map((f) => {
      if (f.bad) throw new Error(`${f.path} is ${f.bad}: Ansible's apt_repository cannot read it either`);
      return [f.path, f.text!] as [string, string];
    }));
    const target = targetPath(a);
    for (const p of [LIST, ...(target ? [target] : [])]) {
      if (p === LIST ? lists.list !== LIST : lists.parts !== PARTS) continue;
      const c = facts.get(fileContentFact(p));
      if (c.note) throw new Error(`${p}: ${c.note}: not an apt source list`);
      if (c.exists) raw.set(p, c.text!);
      else raw.delete(p);
    }
    const files: SourcesList = new Map([...raw].map(([p, text]) => [p, loadFile(text)]));
    const before = dump(files);
    const counts = new Map([...files].map(([p, l]) => [p, l.filter((x) => x.enabled).length]));
    let added = new Set<string>();
    try {
      if ((a.state ?? 'present') === 'present') added = addSource(files, a.repo, suggestFilename(parseLine(a.repo).source, a.filename), lists.parts);
      else removeSource(files, a.repo);
    } catch (err) {
      if (err instanceof InvalidSource) throw new Error(`${err.message} (repo must be one enabled "deb" or "deb-src" line)`);
      throw err;
    }
    const after = dump(files);
    if (before.size === after.size && [...before].every(([p, t]) => after.get(p) === t)) return [];

    const source = parseLine(a.repo).source;
    const value: SourceFiles = { ...lists, files: [...after].map(([path, text]) => ({ path, text })) };
    const changes: Change[] = [];
    for (const [path, text] of after) {
      if (raw.get(path) === text) continue;
      const enabledNow = files.get(path)!.filter((x) => x.enabled).length;
      const what = added.has(path) ? `add ${source}` : a.state === 'absent' ? `remove ${source}`
        : enabledNow > (counts.get(path) ?? 0) ? `enable ${source}` : 'rewritten as Ansible writes every list';
      const mode = added.has(path) && a.mode !== undefined ? modeOf(a.mode, path, facts) : undefined;
      changes.push({
        summary: `${raw.has(path) ? 'update' : 'write'} ${path}: ${what}${mode ? `, mode ${mode}` : ''}`,
        diff: { path, before: raw.get(path) ?? null, after: text },
        steps: [{ write: { path, content: text, ...(mode ? { mode } : {}) } }],
        effects: [{ key: fileFact(path).key, unknown: true }, { key: fileContentFact(path).key, value: { exists: true, text } }, { key: sourceFilesFact().key, value }],
      });
    }
    for (const path of raw.keys()) {
      if (after.has(path)) continue;
      changes.push({
        summary: `remove ${path}: ${a.state === 'absent' && counts.get(path) ? `${source} was its last line` : 'no lines (Ansible removes an empty list)'}`,
        diff: { path, before: raw.get(path)!, after: null },
        steps: [{ exec: ['rm', '-f', '--', path] }],
        effects: [{ key: fileFact(path).key, value: { state: 'absent' } }, { key: fileContentFact(path).key, value: { exists: false } }, { key: sourceFilesFact().key, value }],
      });
    }
    if (a.update_cache !== false) {
      const revert = [...[...before].flatMap(([p, t]) => ['w', p, t]), ...[...after.keys()].filter((p) => !before.has(p)).flatMap((p) => ['rm', p, '-'])];
      const update = [...updateStep({ update_cache_retries: (a.update_cache_retries ?? 5) - 1, update_cache_retry_max_delay: a.update_cache_retry_max_delay ?? 12 }), '--error-on=any'];
      changes.push({
        summary: 'apt-get update (the lists put back as they were if it fails)',
        steps: [{ exec: ['sh', '-c', UPDATE_OR_REVERT, 'apt-repository', String(revert.length / 3), ...revert, ...update] }],
        effects: [{ key: aptListsAgeFact().key, value: 0 }, { prefix: 'apt-candidates:', unknown: true }],
      });
    }
    return changes;
  },
  sideEffects: () => LIST_EFFECTS,
  returns: (a) => ({ repo: a.repo, state: a.state ?? 'present' }),
});
