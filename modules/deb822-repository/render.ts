// deb822_repository's text: the .sources file Ansible's deb822_repository writes for its arguments (ansible-core
// 2.18's, the newest behaviour: no `Install-Python-Debian` field, see the module's header), the file name it
// derives from `name`, and how it reads list arguments and signed_by. Pure; test/unit/deb822-repository.test.ts
// compares it with Ansible's own module.
import { pyStrip } from '../sysctl/decide.ts';

/** Ansible's list (a comma-separated string is split, as its argument spec does) of str. */
export type AnsibleList = string | string[];

export type Deb822Args = {
  name: string; types?: AnsibleList; uris?: AnsibleList; suites?: AnsibleList; components?: AnsibleList; signed_by?: string;
  architectures?: AnsibleList; enabled?: boolean; state?: 'present' | 'absent'; mode?: string | number; allow_insecure?: boolean;
  allow_weak?: boolean; allow_downgrade_to_insecure?: boolean; by_hash?: boolean; check_date?: boolean; check_valid_until?: boolean;
  date_max_future?: number; inrelease_path?: string; languages?: AnsibleList; pdiffs?: boolean; targets?: AnsibleList; trusted?: boolean;
  install_python_debian?: boolean;
};

/** The arguments that become fields, each a boolean, an integer, a list or a string, in Ansible's order (sorted by name). */
export const FIELD_ARGS = {
  allow_downgrade_to_insecure: 'bool', allow_insecure: 'bool', allow_weak: 'bool', architectures: 'list', by_hash: 'bool', check_date: 'bool',
  check_valid_until: 'bool', components: 'list', date_max_future: 'int', enabled: 'bool', inrelease_path: 'str', languages: 'list',
  name: 'str', pdiffs: 'bool', signed_by: 'str', suites: 'list', targets: 'list', trusted: 'bool', types: 'list', uris: 'list',
} as const;

/** Python's str.isspace() characters (what \s matches in a str regexp). */
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** The file name's stem Ansible makes of `name`: lower case, runs of _ and whitespace one "-", all but a-z 0-9 - dropped. */
export const deb822Slug = (name: string): string =>
  name.toLowerCase().replace(new RegExp(`[_${WS}]+`, 'g'), '-').replace(/[^a-z0-9-]+/g, '');

export const sourcesPath = (slug: string): string => `/etc/apt/sources.list.d/${slug}.sources`;
export const keyringPath = (slug: string, ext: 'asc' | 'gpg'): string => `/etc/apt/keyrings/${slug}.${ext}`;

/** An Ansible list argument as its argument spec makes it: a string split at commas. */
export const listOf = (v: AnsibleList): string[] => (Array.isArray(v) ? v : v.split(','));

/** The scheme Python's urlparse finds in a value (Ansible's module then fetches it as a URL), or undefined. */
export function urlScheme(v: string): string | undefined {
  const url = v.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  const i = url.indexOf(':');
  if (i > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, i))) return url.slice(0, i).toLowerCase();
  return undefined;
}

/** Python's str.splitlines(). */
function splitlines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (/(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])$/.test(s)) lines.pop();
  return lines;
}

/** A value with a newline, as Ansible folds it: on the lines after the field, each stripped and indented, "." for an empty one. */
const multiline = (v: string): string => {
  const body = splitlines(pyStrip(v)).map((l) => `    ${pyStrip(l) || '.'}`).join('\n');
  return `\n${body}`;
};

const fieldName = (arg: string): string => (arg === 'name' ? 'X-Repolib-Name' : arg === 'uris' ? 'URIs'
  : arg.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('-'));

/**
 * The .sources text for these arguments: one field per argument given (install_python_debian, mode and state are
 * none), sorted by argument name, as python-debian's Deb822.dump writes them ("Field: value", "Field:" when empty
 * or folded). signed_by is written as given: a path, fingerprints, or an armored key (folded); a URL is refused.
 */
export function deb822Text(a: Deb822Args): string {
  let out = '';
  for (const [arg, kind] of Object.entries(FIELD_ARGS)) {
    const raw = (a as Record<string, unknown>)[arg];
    if (raw === undefined || raw === null) continue;
    let value = kind === 'bool' ? (raw ? 'yes' : 'no') : kind === 'int' ? String(raw) : kind === 'list' ? listOf(raw as AnsibleList).join(' ') : String(raw);
    if (arg === 'signed_by') {
      const scheme = urlScheme(value);
      if (scheme) {
        throw new Error(`signed_by ${JSON.stringify(value.slice(0, 80))} is not supported: it reads as a ${scheme}: URL, which Ansible's module fetches from the host into /etc/apt/keyrings; fetch the key with get_url (to /etc/apt/keyrings/NAME.asc) and give its path, or give the armored key itself`);
      }
    }
    if (value.includes('\n')) value = multiline(value);
    out += !value || value.startsWith('\n') ? `${fieldName(arg)}:${value}\n` : `${fieldName(arg)}: ${value}\n`;
  }
  return out;
}
