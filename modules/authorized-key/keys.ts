// authorized_key's text algorithm: ansible.posix's authorized_key.py (parsekey, parseoptions, parsekeys, serialize,
// enforce_state) as a pure function of the file's text and the task's arguments. Kept as Ansible has it: every
// line keyed by its key blob (a repeated key, or a repeated comment or blank line, is one entry, at its last
// place), a line rewritten as "OPTIONS TYPE BLOB COMMENT\n" (a space before the line break when there is no
// comment), options compared as a mapping whatever their order, new keys after the existing ones, and exclusive
// removing every other line, comments included.

/** The key types Ansible knows (VALID_SSH2_KEY_TYPES). */
const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-dss', 'ssh-rsa', 'ssh-xmss@openssh.com', 'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** Ansible's keydict: options in order, a name possibly repeated; null for an option without a value. */
type Options = Array<[string, string | null]>;

/** One entry: a key (blob, type, options, comment), or a line kept as it is (type 'skipped'), and its rank. */
export type KeyEntry = { id: string; type: string; options: Options | null; comment: string | null; rank: number };

export type AuthorizedKeyArgs = { key: string; state?: 'present' | 'absent'; key_options?: string; exclusive?: boolean; comment?: string };

/** Python's str.splitlines(keepends) over the line breaks it knows. */
function pySplitLines(text: string, keepEnds: boolean): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(text.slice(at, keepEnds ? m.index + m[0].length : m.index));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** parseoptions: split on commas outside quotes; the separators between them other than one comma are options too. */
function parseOptions(options: string | null): Options {
  if (!options) return [];
  const parts = options.split(/((?:[^,"']|"[^"]*"|'[^']*')+)/).slice(1, -1);
  const out: Options = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq >= 0) out.push([part.slice(0, eq), part.slice(eq + 1)]);
    else if (part !== ',') out.push([part, null]);
  }
  return out;
}

/** parsekey: undefined when the line holds no key type Ansible knows. */
function parseKey(rawKey: string, rank: number): KeyEntry | undefined {
  const raw = rawKey.replaceAll('\\#', '#');
  // shlex with no quotes and no comments, split at whitespace: Python's shlex.whitespace.
  const parts = raw.split(/[ \t\r\n]+/).filter(Boolean);
  if (parts[0] === '#') return { id: raw, type: 'skipped', options: null, comment: null, rank };
  const at = parts.findIndex((p) => KEY_TYPES.has(p));
  if (at < 0) return undefined;
  if (at + 1 >= parts.length) throw new Error(`a line with the key type ${parts[at]} and no key after it: Ansible's authorized_key fails on it (IndexError): ${JSON.stringify(rawKey.trimEnd())}`);
  return { id: parts[at + 1], type: parts[at], options: parseOptions(at > 0 ? parts.slice(0, at).join(' ') : null), comment: parts.slice(at + 2).join(' '), rank };
}

/** parsekeys: every line of the file by its key (or the line itself), in a Map that orders as Python's dict. */
function parseKeys(text: string): Map<string, KeyEntry> {
  const keys = new Map<string, KeyEntry>();
  pySplitLines(text, true).forEach((line, rank) => {
    const k = parseKey(line, rank);
    if (k) keys.set(k.id, k);
    else keys.set(line, { id: line, type: 'skipped', options: null, comment: null, rank });
  });
  return keys;
}

/** keydict equality: a mapping of each name to its values in order, whatever the order of the names. */
function sameOptions(a: Options | null, b: Options | null): boolean {
  if ((a === null) !== (b === null)) return false; // None is not an empty keydict
  const group = (o: Options | null) => {
    const m = new Map<string, Array<string | null>>();
    for (const [k, v] of o ?? []) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
  };
  const [x, y] = [group(a), group(b)];
  return x.size === y.size && [...x].every(([k, v]) => JSON.stringify(y.get(k)) === JSON.stringify(v));
}

function serialize(keys: Map<string, KeyEntry>): string {
  return [...keys.values()].sort((a, b) => a.rank - b.rank).map((k) => {
    if (k.type === 'skipped') return k.id;
    const options = k.options?.length ? `${k.options.map(([o, v]) => (v === null ? o : `${o}=${v}`)).join(',')} ` : '';
    return `${options}${k.type} ${k.id} ${k.comment}\n`;
  }).join('');
}

/** The file's text as Python's open() reads it: universal newlines (\r\n and \r become \n). */
export const readAsPython = (text: string): string => text.replace(/\r\n?/g, '\n');

/**
 * enforce_state: the new text of the file, or undefined when Ansible writes nothing. `existing` is the file's text
 * as Python reads it ('' when it is not a file). Throws Ansible's refusals.
 */
export function authorizedKeysEdit(existing: string, a: AuthorizedKeyArgs): string | undefined {
  const state = a.state ?? 'present';
  const newKeys = pySplitLines(a.key, false).filter((s) => s && !s.startsWith('#'));
  const keys = parseKeys(existing);
  const keysToExist: string[] = [];
  const maxRank = keys.size;
  let write = false;
  newKeys.forEach((newKey, rank) => {
    let parsed = parseKey(newKey, rank);
    if (!parsed) throw new Error(`invalid key specified: ${newKey}`);
    if (a.key_options !== undefined) parsed = { ...parsed, options: parseOptions(a.key_options) };
    if (a.comment !== undefined) parsed = { ...parsed, comment: a.comment };
    const old = keys.get(parsed.id);
    let matched = false;
    let differs = false;
    if (old) {
      const same = old.id === parsed.id && old.type === parsed.type && sameOptions(old.options, parsed.options) && old.comment === parsed.comment;
      if (!same && state === 'present') differs = true;
      else matched = true;
    }
    if (state === 'present') {
      keysToExist.push(parsed.id);
      if (differs) {
        keys.delete(parsed.id);
        write = true;
      }
      if (!matched) {
        keys.set(parsed.id, { ...parsed, rank: maxRank + parsed.rank });
        write = true;
      }
    } else if (matched) {
      keys.delete(parsed.id);
      write = true;
    }
  });
  if (state === 'present' && a.exclusive) {
    for (const id of [...keys.keys()]) {
      if (!keysToExist.includes(id)) {
        keys.delete(id);
        write = true;
      }
    }
  }
  return write ? serialize(keys) : undefined;
}
