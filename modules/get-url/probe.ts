// get_url's fact: what Ansible's get_url finds on the host before it writes anything, found by the same Python
// program the change runs (fetch-py.ts) in `probe` mode on the host, as the task's user. It downloads (unless dest
// is there, force is off and its checksum matches), hashing the bytes as they come, and writes no file.
import { createHash } from 'node:crypto';
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import type { FileState } from '../../facts/files.ts';
import { fileFact } from '../../facts/files.ts';
import { FETCH_PY } from './fetch-py.ts';
import { pyScript } from '../host-python.ts';

export type GetUrlArgs = {
  url: string; dest: string; checksum?: string; force?: boolean; backup?: boolean; timeout?: number; headers?: Record<string, string | number>;
  tmp_dest?: string; http_agent?: string; use_proxy?: boolean; validate_certs?: boolean; url_username?: string; url_password?: string;
  force_basic_auth?: boolean; use_netrc?: boolean; decompress?: boolean; unredirected_headers?: string[];
  owner?: string; group?: string; mode?: string | number;
};

/** What is at the (final) dest, and whether its directory exists: `sha1`/`digest` of a file (digest: the checksum's algorithm). */
type Here = { dest: string; parent: boolean; state: FileState; sha1?: string; digest?: string };

export type Probe =
  | { kind: 'failed'; msg: string; status_code?: number; response?: string }
  /** dest is there, force is off and its checksum matches: nothing downloaded. */
  | (Here & { kind: 'exists'; checksum: string })
  /** The server answered 304 to If-Modified-Since dest's mtime. */
  | (Here & { kind: 'not-modified'; status_code: 304; msg: string })
  /** Downloaded: its size and hashes (`src`: sha1, sha256, md5 and the checksum's algorithm); dest is the final path. */
  | (Here & { kind: 'downloaded'; status_code: number | null; msg: string; size: number; checksum: string; src: Record<string, string>;
    user: string; usergroup: string });

/** The checksum argument split as Ansible splits it: algorithm and value (hex digits or a URL). */
export function splitChecksum(checksum: string | undefined): { algorithm?: string; value?: string } {
  if (!checksum) return {};
  const at = checksum.indexOf(':');
  return { algorithm: checksum.slice(0, at), value: checksum.slice(at + 1) };
}

/** What the Python program is given: the request's arguments (the probe's, or the fetch's with more). */
export function requestArgs(a: GetUrlArgs): Record<string, unknown> {
  const { algorithm, value } = splitChecksum(a.checksum);
  return {
    url: a.url, dest: a.dest, force: a.force ?? false, algorithm, checksum: value, timeout: a.timeout ?? 10, headers: a.headers ?? {},
    tmp_dest: a.tmp_dest, http_agent: a.http_agent ?? 'ansible-httpget', use_proxy: a.use_proxy ?? true, validate_certs: a.validate_certs ?? true,
    username: a.url_username, password: a.url_password, force_basic_auth: a.force_basic_auth ?? false, use_netrc: a.use_netrc ?? true,
    decompress: a.decompress ?? true, unredirected_headers: a.unredirected_headers ?? [],
  };
}

/**
 * The key: url and dest readable; what else shapes the request (force, checksum, headers, credentials...) only as
 * a hash, never shown, and only when not all Ansible's defaults.
 */
function probeKey(a: GetUrlArgs): string {
  const { url, dest, ...rest } = requestArgs(a);
  const { url: _u, dest: _d, ...plain } = requestArgs({ url: a.url, dest: a.dest });
  const same = JSON.stringify(rest) === JSON.stringify(plain);
  return `get_url:${url} -> ${dest}${same ? '' : ` #${createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 12)}`}`;
}

/** The step that downloads and writes dest: the program and its arguments on stdin. */
export const fetchStdin = (args: Record<string, unknown>): string => `${JSON.stringify({ op: 'fetch', ...args })}\n${FETCH_PY}`;

export function probeFact(a: GetUrlArgs): FactDef<Probe> {
  return {
    key: probeKey(a),
    // What is found depends on dest (If-Modified-Since its mtime, its checksum, whether it is a directory) unless
    // force: in check mode, a change an earlier task made to it only simulated makes this unknown. With force
    // (and dest not written as a directory) the download is the same whatever dest is: the plan reads dest's own fact.
    dependsOn: a.force && !a.dest.endsWith('/') ? [] : [fileFact(a.dest.replace(/(.)\/+$/, '$1')).key],
    // The server answers when the task runs, never ahead of it: an earlier task may start it, or change what it serves.
    lazy: true,
    fresh: true,
    // printf is the shell's own: the arguments reach python3's stdin without a command line of their own.
    script: pyScript('get_url', { op: 'probe', ...requestArgs(a) }, FETCH_PY),
    parse(out, code) {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 127) return { kind: 'failed', msg: 'get_url runs python3 on the host, and there is none' };
      try {
        return JSON.parse(line) as Probe;
      } catch {
        return { kind: 'failed', msg: `get_url's download on the host exited ${code}: ${out.trim() || 'no output'}` };
      }
    },
  };
}
