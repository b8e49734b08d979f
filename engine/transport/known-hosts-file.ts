// The known_hosts file format as OpenSSH reads it (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT; hostfile.c):
// lines of [marker] hosts keytype base64-key [comment], the names a host has there, key blobs and fingerprints.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostFieldMatches, lowerAscii } from './host-patterns.ts';

/** `unknown`: a line starting with `@` that is not one of OpenSSH's two markers (OpenSSH ignores it). */
export type Marker = '@revoked' | '@cert-authority' | 'unknown';

export type KnownEntry = {
  marker?: Marker;
  /** The marker as written, for messages. */
  markerText?: string;
  /** The host field: a comma list of patterns, or one hashed name. */
  hosts: string;
  /** The key type as written (`ssh-ed25519`, `ssh-rsa`, ...). */
  type: string;
  key: Buffer;
  /** Whether OpenSSH would read the key: its blob's type is the type the line names. */
  valid: boolean;
  line: number;
};

export type KnownKey = { type: string; key: Buffer; line: number };

/** The name a host has in known_hosts: `host`, or `[host]:port` off port 22, ASCII-lowercased as ssh does. */
export function knownHostsName(host: string, port = 22): string {
  const h = lowerAscii(host);
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

/** The bare host of a known_hosts name, and its port: `[h]:2222` -> h, 2222. */
export function splitKnownHostsName(name: string): { host: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(name);
  return m ? { host: m[1], port: Number(m[2]) } : { host: name, port: 22 };
}

/** OpenSSH's fingerprint of a key blob: SHA256:base64, unpadded. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH public key blob (a length-prefixed string). */
export function keyType(key: Buffer): string {
  const n = key.length >= 4 ? key.readUInt32BE(0) : 0;
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/**
 * The blob type a key type word stands for (sshkey_type_from_name: full names, the signature names of RSA,
 * and the short names, in any case). The ECDSA short names name no curve, so OpenSSH reads no key with them.
 */
function blobTypeOf(word: string): string | undefined {
  const rsa = /^rsa-sha2-(256|512)(-cert-v01@openssh\.com)?$/.exec(word);
  if (rsa) return rsa[2] ? 'ssh-rsa-cert-v01@openssh.com' : 'ssh-rsa';
  if (BLOB_TYPES.has(word)) return word;
  const short: Record<string, string> = { rsa: 'ssh-rsa', ed25519: 'ssh-ed25519', dsa: 'ssh-dss', 'ed25519-sk': 'sk-ssh-ed25519@openssh.com' };
  return short[lowerAscii(word)];
}

const BLOB_TYPES = new Set(['ssh-ed25519', 'sk-ssh-ed25519@openssh.com', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521', 'sk-ecdsa-sha2-nistp256@openssh.com', 'ssh-rsa', 'ssh-dss'].flatMap((t) => [t, t.replace(/(@openssh\.com)?$/, '-cert-v01@openssh.com')]));

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One line of a known_hosts file; undefined for comments, blank lines and lines too short to hold a key. */
export function parseLine(raw: string, line: number): KnownEntry | undefined {
  let rest = raw.replace(/^[ \t]+/, '');
  if (!rest || rest.startsWith('#')) return undefined;
  let marker: Marker | undefined;
  let markerText: string | undefined;
  // A marker ends at a space or a tab. (OpenSSH 9.2's check_markers looks for a space first, so it takes
  // `@revoked<TAB>host` for an unknown marker and ignores the line; here a revocation is never dropped.)
  while (rest.startsWith('@')) {
    const word = rest.split(/[ \t]/, 1)[0];
    marker = marker === undefined && (word === '@revoked' || word === '@cert-authority') ? word : 'unknown';
    markerText = markerText === undefined ? word : `${markerText} ${word}`;
    rest = rest.slice(word.length).replace(/^[ \t]+/, '');
  }
  const [hosts = '', type = '', b64raw = ''] = rest.split(/[ \t]+/);
  const b64 = b64raw.replace(/\s+$/, ''); // a CRLF file's \r (OpenSSH's base64 decoder skips it)
  if (!hosts || !type || type.startsWith('#') || !b64) return undefined;
  const key = Buffer.from(b64, 'base64');
  const valid = BASE64.test(b64) && blobTypeOf(type) !== undefined && blobTypeOf(type) === keyType(key);
  return { marker, markerText, hosts, type, key, valid, line };
}

export function parseKnownHosts(text: string): KnownEntry[] {
  return text.split('\n').flatMap((raw, i) => parseLine(raw, i + 1) ?? []);
}

/** Whether a line's host field names `name` (a known_hosts name, see knownHostsName). */
export function entryMatches(entry: KnownEntry, name: string): boolean {
  return hostFieldMatches(entry.hosts, name);
}

/** Every key listed for `name` in the text of a known_hosts file (lines with a marker excluded, or only those with `marker`). */
export function keysFor(text: string, name: string, marker?: '@revoked' | '@cert-authority'): KnownKey[] {
  return parseKnownHosts(text)
    .filter((e) => e.marker === marker && entryMatches(e, name))
    .map(({ type, key, line }) => ({ type, key, line }));
}

/** Reads a known_hosts file; a missing file lists no keys. */
export function readKnownHosts(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Where a host's keys are looked up: the inventory's file (if set) first, then the user's own. */
export function knownHostsFiles(inventoryFile: string | undefined, userFile: string): string[] {
  return inventoryFile && inventoryFile !== userFile ? [inventoryFile, userFile] : [userFile];
}

/**
 * The host key algorithms a client offers, in OpenSSH's order (KEX_DEFAULT_PK_ALG without certificates and
 * security keys, which ssh2 cannot use), each with the key type it verifies. An RSA key is verified only by
 * rsa-sha2-512 or rsa-sha2-256: the SHA-1 `ssh-rsa` signature is never offered (OpenSSH 8.8+ refuses it too).
 */
const OFFERED: Array<[algorithm: string, keyType: string]> = [
  ['ssh-ed25519', 'ssh-ed25519'],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
  ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384'],
  ['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521'],
  ['rsa-sha2-512', 'ssh-rsa'],
  ['rsa-sha2-256', 'ssh-rsa'],
];

/**
 * The host key algorithms to offer to `name`: those that verify a key listed for it (plain lines), so the host
 * must present a key that can be checked; all of them when none is listed (a first contact).
 */
export function hostKeyAlgorithms(files: string[], name: string): string[] {
  const types = new Set(files.flatMap((f) => parseKnownHosts(readKnownHosts(f)))
    .filter((e) => !e.marker && e.valid && entryMatches(e, name)).map((e) => keyType(e.key)));
  const known = OFFERED.filter(([, type]) => types.has(type)).map(([alg]) => alg);
  return known.length ? known : OFFERED.map(([alg]) => alg);
}
