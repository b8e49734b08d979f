// uri (modules/uri/), with Ansible's own uri module as the oracle, both run on this machine against a small HTTP
// server of the test's: JSON and text answers, a cookie, a JSON and a form body posted and echoed, headers, basic
// auth, a 404 (failed, or asked for), redirects followed or not (safe, all, none), a gzip answer, a refused
// connection. provision's request program (request-py.ts through the fact's script) returns what Ansible's module
// returns, key for key (the Date header and elapsed left out: a second may pass between the two).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../engine/validate.ts';
import { modules } from '../../modules/index.ts';
import { requestFact, type UriArgs } from '../../modules/uri/uri.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'uri-'));
const mod = modules.get('uri')!;
let n = 0;
let server: Server;
let base = '';

function serve(): Promise<void> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const json = (status: number, v: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...extra });
        res.end(JSON.stringify(v));
      };
      const path = req.url ?? '/';
      if (path === '/json') return json(200, { ok: true, n: 1 }, { 'Set-Cookie': 'session=abc; Path=/', 'X-Thing': 'one' });
      if (path === '/text') { res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }); return res.end('hello\n'); }
      if (path === '/echo') return json(req.method === 'POST' ? 201 : 200, { method: req.method, type: req.headers['content-type'] ?? null, body, agent: req.headers['user-agent'], auth: req.headers.authorization ?? null, x: req.headers['x-token'] ?? null });
      if (path === '/redirect') { res.writeHead(302, { Location: '/json' }); return res.end(); }
      if (path === '/gzip') {
        // With its length: Ansible's gzip reader fails on a chunked answer.
        const zipped = gzipSync('{"zipped": true}');
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(zipped.length) });
        return res.end(zipped);
      }
      if (path === '/problem+json') return json(422, { error: 'bad' }, { 'Content-Type': 'application/problem+json' });
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not here\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    resolve();
  }));
}

const strip = (r: Record<string, unknown>) => {
  const { date: _d, elapsed: _e, invocation: _i, ...rest } = r;
  return rest;
};

async function ours(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const a = structuredClone(args);
  assert.equal(validate(mod.schema, a), []);
  const def = requestFact(a as UriArgs);
  const r = await run('sh', ['-c', def.script]);
  try {
    return strip(JSON.parse(r.stdout.trim()) as Record<string, unknown>);
  } catch {
    throw new Error(`provision's program printed: ${r.stdout} ${r.stderr}`);
  }
}

async function ansible(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const file = join(dir, `args-${n++}.json`);
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: args }));
  const r = await run('/usr/bin/python3', ['-m', 'ansible.modules.uri', file]).catch((e: { stdout: string }) => e);
  try {
    return strip({ failed: false, ...JSON.parse(r.stdout) as Record<string, unknown> });
  } catch {
    throw new Error(`Ansible's uri printed: ${r.stdout} ${(r as { stderr?: string }).stderr}`);
  }
}

async function same(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [mine, theirs] = await Promise.all([ours(args), ansible(args)]);
  assert.equal(mine, theirs, JSON.stringify(args));
  return mine;
}

test.before(serve);
test.after(() => { server.close(); });

test('GET: json parsed, a cookie, headers lowercased, text returned when asked, gzip undone, problem+json', async () => {
  const r = await same({ url: `${base}/json` });
  assert.equal(r.json, { ok: true, n: 1 });
  assert.is(r.x_thing, 'one');
  assert.equal(r.cookies, { session: 'abc' });
  const t = await same({ url: `${base}/text`, return_content: true });
  assert.is(t.content, 'hello\n');
  assert.equal((await same({ url: `${base}/gzip` })).json, { zipped: true });
  await same({ url: `${base}/problem+json`, status_code: [422] });
});

test('bodies: JSON and form-urlencoded from a mapping, raw text, headers, basic auth, the agent', async () => {
  const j = await same({ url: `${base}/echo`, method: 'POST', body_format: 'json', body: { name: 'x', list: [1, 2] }, status_code: 201 });
  assert.equal(j.json, { method: 'POST', type: 'application/json', body: '{"name": "x", "list": [1, 2]}', agent: 'ansible-httpget', auth: null, x: null });
  await same({ url: `${base}/echo`, method: 'POST', body_format: 'form-urlencoded', body: { a: 'b c', many: ['1', '2'] }, status_code: '200, 201' });
  await same({ url: `${base}/echo`, method: 'put', body: 'plain text', headers: { 'X-Token': 's3cret', 'Content-Type': 'text/plain' } });
  await same({ url: `${base}/echo`, url_username: 'deploy', url_password: 'pw', force_basic_auth: true, http_agent: 'provision-test' });
});

test('failures and redirects: 404, asked-for 404, safe redirect of a GET, of a POST, none, a refused connection', async () => {
  const f = await same({ url: `${base}/missing` });
  assert.is(f.msg, 'Status code was 404 and not [200]: HTTP Error 404: Not Found');
  await same({ url: `${base}/missing`, status_code: [404], return_content: true });
  const r = await same({ url: `${base}/redirect` });
  assert.is(r.redirected, true);
  await same({ url: `${base}/redirect`, method: 'POST', body: 'x' });
  await same({ url: `${base}/redirect`, follow_redirects: 'none', status_code: [302] });
  await same({ url: `${base}/redirect`, method: 'POST', follow_redirects: 'all', body: 'x' });
  await same({ url: 'http://127.0.0.1:9/nothing', timeout: 2 });
});

test.run();
