// Host key checking as OpenSSH's ssh does it with StrictHostKeyChecking=yes (sshconnect.c check_host_key,
// hostfile.c check_key_in_hostkeys): the key a host presents against the known_hosts files, @revoked,
// @cert-authority (refused: ssh2 cannot check host certificates), and --accept-new's recording.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { lowerAscii } from './host-patterns.ts';
import { type KnownEntry, entryMatches, fingerprint, keyType, parseKnownHosts, readKnownHosts, splitKnownHostsName } from './known-hosts-file.ts';

export { fingerprint, hostKeyAlgorithms, keysFor, keyType, knownHostsFiles, knownHostsName, readKnownHosts } from './known-hosts-file.ts';
export type { KnownKey } from './known-hosts-file.ts';

export type Verdict = { ok: true; recorded?: string } | { ok: false; why: string };

type Listed = KnownEntry & { file: string };
type Status =
  | { status: 'ok' | 'revoked'; entry: Listed }
  | { status: 'changed'; entry: Listed }
  | { status: 'new' };

/**
 * check_key_in_hostkeys for a plain key: the lines whose host field names `name` decide. A matching @revoked
 * line holding the key revokes it, whatever else says; a plain line holding it trusts it; a plain line with
 * another key means the key changed; none, that the host is new.
 */
function check(all: Listed[], name: string, key: Buffer): Status {
  const mine = all.filter((e) => e.marker !== 'unknown' && entryMatches(e, name));
  // Byte equality, whatever type the line names: a revoked key is refused even from a line OpenSSH cannot read.
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = mine.filter((e) => !e.marker && e.valid);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'ok', entry: same };
  if (plain.length) return { status: 'changed', entry: plain.find((e) => keyType(e.key) === keyType(key)) ?? plain[0] };
  return { status: 'new' };
}

const where = (e: Listed) => `${e.file} line ${e.line}`;
/** Where sshd keeps a host key of this type on Debian. */
const hostKeyFile = (type: string) => `/etc/ssh/ssh_host_${type.replace(/^ssh-/, '').replace(/^ecdsa-.*/, 'ecdsa')}_key.pub`;

/**
 * Checks the key presented by `name` (a known_hosts name: `host`, or `[host]:port` off port 22) against every
 * file (the inventory's, then the user's), as OpenSSH's StrictHostKeyChecking=yes does:
 * - host fields are OpenSSH patterns (`*`, `?`, `!negation`, any case) or hashed names;
 * - a key under a matching @revoked line never passes, also when listed plainly elsewhere;
 * - a listed key passes; off port 22 a host with no line of its own for `[host]:port` is also trusted by a
 *   line for the bare host that holds the key (as ssh does);
 * - a host trusted only through @cert-authority is refused with what to do instead: ssh2 cannot check host
 *   certificates, and a line provision cannot honour is not ignored silently;
 * - a listed host presenting another key has CHANGED: refused, also under `acceptNew`;
 * - a host listed nowhere is refused, or with `acceptNew` trusted and recorded in the first file;
 * - a line with a marker OpenSSH does not know (`@REVOKED`, two markers) that names the host is refused
 *   rather than ignored: it may be a revocation mistyped.
 */
export function verifyHostKey(files: string[], name: string, key: Buffer, acceptNew = false): Verdict {
  name = lowerAscii(name);
  const presented = `${keyType(key)} ${fingerprint(key)}`;
  const texts = files.map((file) => ({ file, text: readKnownHosts(file) }));
  const all: Listed[] = texts.flatMap(({ file, text }) => parseKnownHosts(text).map((e) => ({ ...e, file })));
  const bare = splitKnownHostsName(name);
  const names = bare.port === 22 ? [name] : [name, bare.host];

  const odd = all.find((e) => e.marker === 'unknown' && names.some((n) => entryMatches(e, n)));
  if (odd) {
    return { ok: false, why: `${where(odd)} starts with \`${odd.markerText}\`, which is not a known_hosts marker (OpenSSH knows ` +
      `@revoked and @cert-authority, in lower case, one per line, and ignores this line): refusing to connect to ${name} ` +
      'until the line is fixed or removed, since it may be a revocation mistyped' };
  }
  let found = check(all, name, key);
  // ssh: a host new under [host]:port is looked up once more without the port; only a match counts there.
  if (found.status === 'new' && bare.port !== 22) {
    const plain = check(all, bare.host, key);
    if (plain.status === 'ok' || plain.status === 'revoked') found = plain;
  }
  if (found.status === 'revoked') {
    return { ok: false, why: `the host key of ${name} (${presented}) is marked @revoked in ${where(found.entry)}: refusing to connect` };
  }
  if (found.status === 'ok') return { ok: true };

  const ca = all.find((e) => e.marker === '@cert-authority' && e.valid && names.some((n) => entryMatches(e, n)));
  if (ca) {
    const listed = found.status === 'changed' ? ` (${where(found.entry)} lists another key)` : '';
    return { ok: false, why: `${name} presents ${presented}, which no known_hosts line lists for it${listed}; ${where(ca)} trusts ` +
      `host certificates signed by a CA (@cert-authority) for it, but provision does not support host certificates (its SSH ` +
      `library, ssh2, cannot check them). List the host's own key instead: add a line \`${name} <keytype> <key>\` to ` +
      `${files[0]} with the contents of ${hostKeyFile(keyType(key))} on the host (check its fingerprint there with ` +
      `\`ssh-keygen -lf ${hostKeyFile(keyType(key))}\`)` };
  }
  if (found.status === 'changed') {
    const k = found.entry;
    return { ok: false, why: `the host key of ${name} has CHANGED: it presents ${presented}, but ${k.file} line ${k.line} lists ` +
      `${k.type} ${fingerprint(k.key)}. Someone may be intercepting the connection, or the host was re-created. Compare ` +
      `the fingerprint with \`ssh-keygen -lf ${hostKeyFile(keyType(key))}\` on the host's console; ` +
      `if the host was re-created, remove the old key with \`ssh-keygen -R ${name} -f ${k.file}\`. --accept-new does not override this.` };
  }
  if (!acceptNew) {
    return { ok: false, why: `no host key for ${name} in ${files.join(' or ')}: refusing to connect to an unknown host ` +
      '(add its key to known_hosts, or run once with --accept-new to trust and record it on first contact)' };
  }
  const file = files[0];
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // One write with O_APPEND per line: hosts connecting at once do not interleave their lines.
  const old = texts[0].text;
  appendFileSync(file, `${old && !old.endsWith('\n') ? '\n' : ''}${name} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
  return { ok: true, recorded: `${name}: new host key ${presented} accepted and recorded in ${file}` };
}
