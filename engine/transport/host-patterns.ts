// The host field of a known_hosts line matched as OpenSSH matches it (match.c: match_pattern,
// match_pattern_list, match_hostname; hostfile.c: match_maybe_hashed, host_hash): `*` and `?` wildcards,
// comma lists where a `!pattern` that matches excludes the line, ASCII case folded, and `|1|salt|hash` names.
import { createHmac } from 'node:crypto';

/** ASCII letters lowered, as C's tolower() in OpenSSH: other characters are left as they are. */
export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

const STAR = 0x2a;
const QUESTION = 0x3f;

/** match_pattern: `*` any run of bytes, `?` exactly one byte, everything else itself. Works on bytes, as C does. */
function matchBytes(s: Uint8Array, si: number, p: Uint8Array, pi: number): boolean {
  for (;;) {
    if (pi === p.length) return si === s.length;
    if (p[pi] === STAR) {
      while (pi < p.length && p[pi] === STAR) pi++;
      if (pi === p.length) return true;
      for (; si < s.length; si++) {
        if ((p[pi] === QUESTION || s[si] === p[pi]) && matchBytes(s, si, p, pi)) return true;
      }
      return false;
    }
    if (si === s.length) return false;
    if (p[pi] !== QUESTION && p[pi] !== s[si]) return false;
    si++;
    pi++;
  }
}

/** One pattern (no commas, no `!`) against a string, case-sensitively. */
export function matchPattern(s: string, pattern: string): boolean {
  return matchBytes(Buffer.from(s, 'utf8'), 0, Buffer.from(pattern, 'utf8'), 0);
}

/** OpenSSH's limit on one pattern of a list (char sub[1024]): a longer one makes the whole list match nothing. */
const MAX_SUBPATTERN = 1023;

/**
 * match_pattern_list: 1 if a pattern of the comma list matches, -1 if a negated one (`!p`) matches (the
 * list then fails whatever else matches), 0 if none does. `lower` lowers each pattern's ASCII letters.
 */
export function matchPatternList(s: string, list: string, lower: boolean): -1 | 0 | 1 {
  let positive: 0 | 1 = 0;
  let i = 0;
  while (i < list.length) {
    const negated = list[i] === '!';
    if (negated) i++;
    let end = list.indexOf(',', i);
    if (end === -1) end = list.length;
    let sub = list.slice(i, end);
    if (Buffer.byteLength(sub, 'utf8') >= MAX_SUBPATTERN) return 0;
    i = end + 1;
    if (lower) sub = lowerAscii(sub);
    if (matchPattern(s, sub)) {
      if (negated) return -1;
      positive = 1;
    }
  }
  return positive;
}

/** match_hostname: the host name and the patterns compared without regard to ASCII case. */
export function matchHostname(host: string, list: string): -1 | 0 | 1 {
  return matchPatternList(lowerAscii(host), list, true);
}

const HASH_MAGIC = '|1|';
const SALT_BYTES = 20; // the SHA-1 HMAC's size; OpenSSH refuses any other salt length

/** host_hash: `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, the form `ssh-keygen -H` writes. */
export function hashHostName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${mac.toString('base64')}`;
}

/**
 * match_maybe_hashed: whether a known_hosts host field names `host` (already in its known_hosts form,
 * `[host]:port` off port 22). A field starting with `|` is one hashed name, compared whole; a hashed field
 * OpenSSH cannot read (another magic, a salt that is not 20 bytes) matches nothing.
 */
export function hostFieldMatches(field: string, host: string): boolean {
  if (field.startsWith('|')) {
    if (!field.startsWith(HASH_MAGIC)) return false;
    const end = field.indexOf('|', HASH_MAGIC.length);
    if (end === -1) return false;
    const b64 = field.slice(HASH_MAGIC.length, end);
    if (!b64 || b64.length > 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
    const salt = Buffer.from(b64, 'base64');
    if (salt.length !== SALT_BYTES) return false;
    return hashHostName(lowerAscii(host), salt) === field;
  }
  return matchHostname(host, field) === 1;
}
