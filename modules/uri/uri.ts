// uri: an HTTP request made by the host itself (python3's urllib there, request-py.ts), as Ansible's uri: the
// response's status, headers (lowercased, '-' as '_'), json, content, msg, url, redirected and elapsed registered;
// failed when the status is not one of status_code, with Ansible's message. Never changed; skipped when `creates`
// exists or `removes` does not. The request is a fact read each time the task plans (lazy, fresh): never ahead of
// its task, never reused. Ansible's uri does not support check mode: under --check it is skipped, as there; the exact
// check sends GET, HEAD and OPTIONS from its view, any other method only under check_mode: false.
import { createHash } from 'node:crypto';
import { ModuleFailure, defineModule, type FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileFact } from '../../facts/files.ts';
import { REQUEST_PY } from './request-py.ts';
import { pyJson, pyScript } from '../host-python.ts';
import { refusedArg as refused } from '../refused.ts';

export type UriArgs = {
  url: string; method: string; body?: unknown; body_format: 'raw' | 'json' | 'form-urlencoded'; headers: Record<string, string | number | boolean>;
  status_code: number | string | Array<number | string>; return_content: boolean; timeout: number; follow_redirects: string; creates?: string;
  removes?: string; validate_certs: boolean; url_username?: string; url_password?: string; force_basic_auth: boolean; http_agent: string;
  use_proxy: boolean; decompress: boolean;
};

export type UriResult = Record<string, unknown> & { failed: boolean; msg?: string; status?: number };

const absPath = { type: 'string', pattern: '^/[^\\n]*$', description: 'an absolute path' };

/** status_code as Ansible's list of ints reads it: one code, a list, or "200, 201". */
export function statusCodes(v: UriArgs['status_code']): number[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
  return list.map((x) => Number(String(x).trim()));
}

/** Methods that change nothing they reach (RFC 9110's safe methods): sent in the exact check's view. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The URL without its user and password. */
const hidePassword = (url: string) => url.replace(/\/\/[^/@]*@/, '//');

/** What the program on the host is given. */
const requestArgs = (a: UriArgs) => ({ ...a, status_code: statusCodes(a.status_code) });

/** The request, made on the host as the task's user each time the task plans; its key names method and URL, the rest as a hash. */
export function requestFact(a: UriArgs): FactDef<UriResult> {
  const args = requestArgs(a);
  const json = JSON.stringify(args);
  const url = hidePassword(a.url);
  return {
    key: `uri:${a.method.toUpperCase()} ${url} #${createHash('sha256').update(json).digest('hex').slice(0, 12)}`,
    ...pyJson<UriResult>('uri', pyScript('uri', args, REQUEST_PY)),
    lazy: true,
    fresh: true,
    readOnly: true,
  };
}

const pathFacts = (a: UriArgs) => [...(a.creates ? [fileFact(a.creates)] : []), ...(a.removes ? [fileFact(a.removes)] : [])];
/** Ansible's uri exits before any request when creates exists or removes does not: why, or undefined. */
function skipped(a: UriArgs, get: <T>(d: FactDef<T>) => T): string | undefined {
  if (a.creates && get(fileFact(a.creates)).state !== 'absent') return `skipped, since '${a.creates}' exists`;
  if (a.removes && get(fileFact(a.removes)).state === 'absent') return `skipped, since '${a.removes}' does not exist`;
  return undefined;
}

export default defineModule<UriArgs>({
  name: 'uri',
  fqcn: ['ansible.builtin.uri', 'ansible.legacy.uri'],
  aliases: { user: 'url_username', password: 'url_password' },
  description: 'An HTTP(S) request made by the host, its status, headers, json and content registered; fails on a status not in status_code. Never changed; skipped under --check, as Ansible skips it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://[^\\s]+$', description: 'an http:// or https:// URL' },
      method: { type: 'string', default: 'GET', pattern: '^[A-Za-z]+$', description: 'one word: GET, POST, PUT, DELETE...' },
      body: {},
      body_format: { enum: ['raw', 'json', 'form-urlencoded'], default: 'raw', description: 'raw, json or form-urlencoded (form-multipart is not supported yet)' },
      headers: { type: 'object', default: {}, additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
      status_code: {
        anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\s*-?\\d+(\\s*,\\s*-?\\d+)*\\s*$' }, { type: 'array', items: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\s*-?\\d+\\s*$' }] } }],
        default: [200], description: 'an HTTP status, or a list of them',
      },
      return_content: { type: 'boolean', default: false },
      timeout: { type: 'integer', minimum: 0, default: 30 },
      follow_redirects: { enum: ['all', 'no', 'none', 'safe', 'urllib2', 'yes'], default: 'safe' },
      creates: absPath,
      removes: absPath,
      validate_certs: { type: 'boolean', default: true },
      url_username: { type: 'string' },
      url_password: { type: 'string' },
      force_basic_auth: { type: 'boolean', default: false },
      http_agent: { type: 'string', default: 'ansible-httpget' },
      use_proxy: { type: 'boolean', default: true },
      decompress: { type: 'boolean', default: true },
      dest: refused('dest', 'the response is not written to a file yet (get_url downloads one)'),
      src: refused('src', 'a body from a file is not sent yet (give body)'),
      remote_src: refused('remote_src', 'a body from a file is not sent yet (give body)'),
      unix_socket: refused('unix_socket', 'requests go over TCP only'),
      client_cert: refused('client_cert', 'client certificates are not sent yet'),
      client_key: refused('client_key', 'client certificates are not sent yet'),
      ca_path: refused('ca_path', 'the host\'s CA store is used'),
      ciphers: refused('ciphers', 'python\'s default ciphers are used'),
      unredirected_headers: refused('unredirected_headers', 'every header is sent again on a redirect'),
      use_gssapi: refused('use_gssapi', 'GSSAPI is not supported'),
      use_netrc: refused('use_netrc', '~/.netrc is not read yet'),
      force: refused('force', 'it only matters with dest'),
    },
    // A raw body is sent as its text: a mapping or a list needs json or form-urlencoded.
    if: { properties: { body_format: { const: 'raw' } } },
    then: { properties: { body: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'text (a mapping or a list needs body_format json or form-urlencoded)' } } },
  },
  checkMode: 'skip',
  // The exact check's view shares the host's network: a request that is not safe (RFC 9110: GET, HEAD, OPTIONS) may
  // change what it reaches, the host's own services or another's, so it is not sent there unless check_mode: false.
  unknownInView: (a) => (SAFE.has(a.method.toUpperCase()) ? undefined : {
    why: `it would send a ${a.method.toUpperCase()} request to ${hidePassword(a.url)}, which may change what it reaches: not sent in the view (check_mode: false sends it)`,
    diverges: true,
    outside: true,
  }),
  facts: (a) => [...pathFacts(a), requestFact(a)],
  plan(a, facts) {
    if (skipped(a, facts.get)) return [];
    const r = facts.get(requestFact(a));
    if (r.failed) {
      const { failed: _f, changed: _c, ...result } = r;
      throw new ModuleFailure(r.msg ?? 'uri failed', result);
    }
    return [];
  },
  returns(a, facts) {
    const why = skipped(a, facts.get);
    if (why) return { stdout: why };
    const { failed: _f, changed: _c, ...result } = facts.get(requestFact(a));
    return result;
  },
});
