// OpenSSH known_hosts files: the host keys a connection must present.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type KnownKey = { type: string; key: Buffer; line: number };

/** The name a host has in known_hosts: `addr`, or `[addr]:port` off port 22. */
export function knownHostsName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return pattern.split(',').includes(name);
}

/** Every key listed for `name` in the text of a known_hosts file (markers like @revoked excluded, or only them). */
export function keysFor(text: string, name: string, marker?: '@revoked'): KnownKey[] {
  const found: KnownKey[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    if (line.startsWith('@') !== Boolean(marker)) return;
    if (marker) {
      if (!line.startsWith(`${marker} `)) return;
      line = line.slice(marker.length).trim();
    }
    const [hosts, type, key] = line.split(/\s+/);
    if (hosts && type && key && matches(hosts, name)) {
      found.push({ type, key: Buffer.from(key, 'base64'), line: i + 1 });
    }
  });
  return found;
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

/** OpenSSH's fingerprint of a key blob: SHA256:base64, unpadded. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH public key blob (a length-prefixed string). */
export function keyType(key: Buffer): string {
  const n = key.length >= 4 ? key.readUInt32BE(0) : 0;
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

export type Verdict = { ok: true; recorded?: string } | { ok: false; why: string };

/**
 * Checks the key `name` presented against every file (the inventory's, then the user's), as OpenSSH's
 * StrictHostKeyChecking does: a listed key must match (a revoked one never does); a host listed nowhere is
 * refused, or with `acceptNew` trusted and recorded in the first file.
 */
export function verifyHostKey(files: string[], name: string, key: Buffer, acceptNew = false): Verdict {
  const presented = `${keyType(key)} ${fingerprint(key)}`;
  const texts = files.map((file) => ({ file, text: readKnownHosts(file) }));
  for (const { file, text } of texts) {
    const revoked = keysFor(text, name, '@revoked').find((k) => k.key.equals(key));
    if (revoked) return { ok: false, why: `the host key of ${name} (${presented}) is marked @revoked in ${file} line ${revoked.line}: refusing to connect` };
  }
  const listed = texts.flatMap(({ file, text }) => keysFor(text, name).map((k) => ({ ...k, file })));
  if (listed.some((k) => k.key.equals(key))) return { ok: true };
  if (listed.length) {
    const k = listed[0];
    return { ok: false, why: `the host key of ${name} has CHANGED: it presents ${presented}, but ${k.file} line ${k.line} lists ` +
      `${k.type} ${fingerprint(k.key)}. Someone may be intercepting the connection, or the host was re-created. Compare ` +
      `the fingerprint with \`ssh-keygen -lf /etc/ssh/ssh_host_${keyType(key).replace(/^ssh-/, '')}_key.pub\` on the host's console; ` +
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

/** Where a host's keys are looked up: the inventory's file (if set) first, then the user's own. */
export function knownHostsFiles(inventoryFile: string | undefined, userFile: string): string[] {
  return inventoryFile && inventoryFile !== userFile ? [inventoryFile, userFile] : [userFile];
}
