// OpenSSH known_hosts files: the host keys a connection must present.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

/** Every key listed for `name` in the text of a known_hosts file (markers like @revoked excluded). */
export function keysFor(text: string, name: string): KnownKey[] {
  const found: KnownKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) return;
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
