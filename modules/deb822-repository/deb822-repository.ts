// deb822_repository: one apt source in deb822 form, /etc/apt/sources.list.d/SLUG.sources (SLUG: `name` as Ansible
// normalises it), present with Ansible's bytes (render.ts) and mode, or absent with the keyrings Ansible's module
// would have fetched for it (/etc/apt/keyrings/SLUG.asc, .gpg). Like Ansible's, it runs no apt-get update.
// The behaviour is ansible-core's newest: 2.20, which added install_python_debian (ansible/ansible#85487), also wrote
// it into every file as an `Install-Python-Debian: yes/no` field until #86403 (#86405 on stable-2.20) removed it
// again (#86395); this writes none, as 2.15-2.19 and the fixed 2.20 do, and install_python_debian has no effect
// (provision needs no python3-debian on the host). signed_by as a URL (Ansible fetches it on the host) is refused.
import { type Change, type FactDef, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileContentFact, fileFact } from '../../facts/files.ts';
import { fileContentFacts, planFileContent } from '../copy/content.ts';
import { modeSchema } from '../file-mode.ts';
import { type Deb822Args, deb822Slug, deb822Text, keyringPath, sourcesPath } from './render.ts';

const list = (what: string) => ({
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  description: `${what}: a list, or a string of comma-separated items (as Ansible splits it)`,
});
const bool = (what: string) => ({ type: 'boolean', description: `${what} (written as yes/no; left out when not given)` });

/** The file's stem, refused when nothing of `name` is left in it. */
function slugOf(a: Deb822Args): string {
  const slug = deb822Slug(a.name);
  if (!slug) throw new Error(`name ${JSON.stringify(a.name)} is not supported: Ansible keeps only a-z, 0-9 and "-" of it (lower-cased, "_" and spaces made "-") for the file name, and nothing is left: it would write /etc/apt/sources.list.d/.sources`);
  return slug;
}

/**
 * Where a link at `path` leads (absent: os.path.exists is false). Read only for a link; no dependsOn on the link's
 * file fact, so that a file an earlier task writes there in --check leaves this task predictable (its file fact
 * says so); a link made by an earlier task of the same --check run is judged by what it led to before.
 */
const linkLeadsTo = (path: string): FactDef<'absent' | 'directory' | 'other'> => ({
  key: `deb822-link-target:${path}`,
  script: `if [ -d ${shq(path)} ]; then echo directory; elif [ -e ${shq(path)} ]; then echo other; else echo absent; fi`,
  parse: (out) => (out.trim() === 'directory' ? 'directory' : out.trim() === 'other' ? 'other' : 'absent'),
  lazy: true,
});
const absentPaths = (slug: string) => [sourcesPath(slug), keyringPath(slug, 'asc'), keyringPath(slug, 'gpg')];
/**
 * signed_by naming a file on the host: Ansible returns it as key_filename when a file is there; taken as there
 * (not read, so a keyring an earlier task fetches leaves --check exact).
 */
const keyPath = (a: Deb822Args) => (a.signed_by?.startsWith('/') && !a.signed_by.includes('\n') ? a.signed_by : undefined);

function returned(a: Deb822Args): Record<string, unknown> {
  const slug = slugOf(a);
  if (a.state === 'absent') return { repo: null, dest: sourcesPath(slug), key_filename: keyringPath(slug, 'gpg') };
  return { repo: deb822Text(a), dest: sourcesPath(slug), key_filename: keyPath(a) ?? null };
}

export default defineModule<Deb822Args>({
  name: 'deb822_repository',
  fqcn: ['ansible.builtin.deb822_repository', 'ansible.legacy.deb822_repository'],
  description: 'An apt source in deb822 form, /etc/apt/sources.list.d/NAME.sources, written with the bytes and mode of Ansible\'s deb822_repository, or removed with its keyrings; no apt-get update (as Ansible\'s).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'the X-Repolib-Name field; the file is NAME lower-cased, "_" and spaces made "-", all but a-z 0-9 - dropped' },
      types: {
        anyOf: [{ type: 'string', pattern: '^(deb|deb-src)(,(deb|deb-src))*$' }, { type: 'array', items: { enum: ['deb', 'deb-src'] } }],
        default: ['deb'],
        description: 'deb and/or deb-src (a list, or comma-separated)',
      },
      uris: list('the archives\' base URIs'),
      suites: list('suites (codenames, or a path ending in "/")'),
      components: list('components'),
      signed_by: { type: 'string', description: 'a keyring path, fingerprints, or an ASCII-armored public key (written in the file); a URL is not supported' },
      architectures: list('architectures'),
      enabled: bool('Enabled'),
      state: { enum: ['present', 'absent'], default: 'present' },
      mode: { ...modeSchema, default: '0644', description: `the .sources file's mode: ${modeSchema.description}` },
      allow_insecure: bool('Allow-Insecure'),
      allow_weak: bool('Allow-Weak'),
      allow_downgrade_to_insecure: bool('Allow-Downgrade-To-Insecure'),
      by_hash: bool('By-Hash'),
      check_date: bool('Check-Date'),
      check_valid_until: bool('Check-Valid-Until'),
      date_max_future: { type: 'integer', description: 'Date-Max-Future, in seconds' },
      inrelease_path: { type: 'string', description: 'InRelease-Path' },
      languages: list('languages'),
      pdiffs: bool('PDiffs'),
      targets: list('download targets'),
      trusted: bool('Trusted'),
      install_python_debian: { type: 'boolean', description: 'accepted, no effect: provision needs no python3-debian on the host' },
    },
  },
  facts(a) {
    const slug = deb822Slug(a.name);
    if (!slug) return [];
    if (a.state === 'absent') return absentPaths(slug).flatMap((p) => [fileFact(p), linkLeadsTo(p)]);
    return fileContentFacts(sourcesPath(slug), { mode: a.mode ?? '0644' });
  },
  plan(a, facts) {
    const slug = slugOf(a);
    if (a.state !== 'absent') {
      return planFileContent(sourcesPath(slug), deb822Text(a), { mode: a.mode ?? '0644' }, facts, `apt source ${JSON.stringify(a.name)}`);
    }
    const changes: Change[] = [];
    for (const path of absentPaths(slug)) {
      // As os.path.exists: a link counts when what it leads to is there (then the link is removed).
      const f = facts.get(fileFact(path));
      const leads = f.state === 'link' ? facts.get(linkLeadsTo(path)) : undefined;
      if (f.state === 'absent' || leads === 'absent') continue;
      if (f.state === 'directory' || leads === 'directory') throw new Error(`${path} is a directory: Ansible's deb822_repository cannot remove it (os.unlink) either`);
      changes.push({
        summary: `remove ${path}`,
        steps: [{ exec: ['rm', '-f', '--', path] }],
        effects: [
          { key: fileFact(path).key, value: { state: 'absent' } },
          { key: fileContentFact(path).key, value: { exists: false } },
          { key: linkLeadsTo(path).key, value: 'absent' },
        ],
      });
    }
    return changes;
  },
  returns: (a) => returned(a),
  returnsChanged: (a) => returned(a),
});
