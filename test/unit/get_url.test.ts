// get_url (modules/get-url/), with Ansible's own get_url module as the oracle: both run on this machine against one
// HTTP server on loopback (If-Modified-Since, Content-Disposition, a header it requires, gzip, a checksum file),
// each into a directory of its own, in the same sequence of tasks. After each: the same changed or failed, the same
// return values (dest, status_code, msg, checksum_src, checksum_dest, md5sum, mode, size), the same bytes and mode.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FactDef, PlanContext } from '../../engine/module.ts';
import { validate } from '../../engine/validate.ts';
import { modules } from '../../modules/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'get-url-'));
const files = new Map<string, { body: Buffer; mtime: number }>();
const put = (name: string, text: string, mtime = Math.floor(Date.now() / 1000) - 60) => files.set(name, { body: Buffer.from(text), mtime });
put('a.txt', 'first\n');
put('b.txt', 'other\n');

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const name = url.pathname.replace(/^\/(files|private)\//, '');
  if (url.pathname.startsWith('/private/') && req.headers['x-token'] !== 'let-me-in') return void res.writeHead(403).end('no');
  if (url.pathname === '/cd') return void res.writeHead(200, { 'Content-Disposition': 'attachment; filename="report.csv"' }).end('a,b\n1,2\n');
  // With its length: Ansible's gzip reader reads the raw socket, which a chunked body would garble.
  if (url.pathname === '/gz') {
    const body = gzipSync('unzipped on arrival\n');
    return void res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': body.length }).end(body);
  }
  if (url.pathname === '/sums') {
    const sum = (n: string) => createHash('sha256').update(files.get(n)!.body).digest('hex');
    return void res.writeHead(200).end(`${sum('b.txt')}  ./b.txt\n${sum('a.txt')} *a.txt\n`);
  }
  const f = files.get(name);
  if (!f) return void res.writeHead(404).end('not here');
  const since = req.headers['if-modified-since'] ? Date.parse(req.headers['if-modified-since']) / 1000 : undefined;
  if (since !== undefined && f.mtime <= since) return void res.writeHead(304).end();
  res.writeHead(200, { 'Content-Length': f.body.length, 'Last-Modified': new Date(f.mtime * 1000).toUTCString() }).end(f.body);
});
let base = '';

const run = (cmd: string, args: string[], stdin?: string) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  const child = execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  child.stdin!.on('error', () => {}); // a command that reads no stdin may be gone before it is written
  child.stdin!.end(stdin ?? '');
});

type Outcome = { changed?: boolean; failed?: boolean; result: Record<string, unknown> };

/** provision's get_url: its facts read by sh here, its plan, its steps run, what it registers. */
async function ours(args: Record<string, unknown>): Promise<Outcome> {
  const mod = modules.get('get_url')!;
  const a = structuredClone(args);
  assert.equal(validate(mod.schema, a), []);
  const ctx = { host: 'here' } as PlanContext;
  const values = new Map<string, unknown>();
  for (const d of mod.facts(a, ctx)) {
    const r = await run('sh', ['-c', d.script]);
    values.set(d.key, d.parse(r.stdout, r.code));
  }
  const facts = { get: <T>(d: FactDef<T>) => values.get(d.key) as T };
  let changes;
  try {
    changes = mod.plan(a, facts, ctx);
  } catch (err) {
    return { failed: true, result: { msg: (err as Error).message } };
  }
  let stdout = '';
  for (const s of changes.flatMap((c) => c.steps)) {
    if (!('exec' in s)) throw new Error('get_url plans only exec steps');
    const r = await run(s.exec[0], s.exec.slice(1), s.stdin as string | undefined);
    if (r.code !== 0) return { failed: true, result: { msg: r.stderr } };
    stdout = r.stdout;
  }
  return { changed: changes.length > 0, result: changes.length ? mod.returnsChanged!(a, facts, changes, stdout) : mod.returns!(a, facts) };
}

/** Ansible's get_url module, run here. */
async function ansible(args: Record<string, unknown>): Promise<Outcome> {
  const file = join(dir, 'args.json');
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: args }));
  const r = await run('/usr/bin/python3', ['-m', 'ansible.modules.get_url', file]);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  return { changed: out.changed as boolean, failed: out.failed as boolean | undefined, result: out };
}

const KEYS = ['dest', 'status_code', 'msg', 'checksum_src', 'checksum_dest', 'md5sum', 'mode', 'size', 'state', 'backup_file'];

/** One task on both sides, dest in each side's directory; what differs, as readable lines. */
async function both(label: string, args: Record<string, unknown>): Promise<string[]> {
  const at = (side: string) => JSON.parse(JSON.stringify(args).replaceAll('DIR', join(dir, side)).replaceAll('BASE', base)) as Record<string, unknown>;
  const [o, t] = [await ours(at('ours')), await ansible(at('theirs'))];
  const norm = (side: string, v: unknown) => (typeof v === 'string' ? v.replaceAll(join(dir, side), 'DIR') : v);
  const wrong: string[] = [];
  if (Boolean(o.failed) !== Boolean(t.failed)) return [`${label}: failed ${o.failed} vs ${t.failed} (${o.result.msg} / ${t.result.msg})`];
  if (o.failed) {
    const [x, y] = [norm('ours', o.result.msg) as string, norm('theirs', t.result.msg) as string];
    return x.includes(y) ? [] : [`${label}: msg ${x} vs ${y}`];
  }
  if (o.changed !== t.changed) wrong.push(`${label}: changed ${o.changed} vs ${t.changed}`);
  for (const k of KEYS) {
    const [x, y] = [norm('ours', o.result[k]), norm('theirs', t.result[k])];
    if (k === 'backup_file') {
      if (Boolean(x) !== Boolean(y)) wrong.push(`${label}: backup_file ${x} vs ${y}`);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) wrong.push(`${label}: ${k} ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  }
  const listing = (side: string) => readdirSync(join(dir, side)).filter((f) => !f.includes('~')).sort()
    .map((f) => `${f} ${(statSync(join(dir, side, f)).mode & 0o7777).toString(8)} ${readFileSync(join(dir, side, f), 'utf8')}`);
  if (JSON.stringify(listing('ours')) !== JSON.stringify(listing('theirs'))) wrong.push(`${label}: files ${listing('ours')} vs ${listing('theirs')}`);
  return wrong;
}

test.before(async () => {
  mkdirSync(join(dir, 'ours'));
  mkdirSync(join(dir, 'theirs'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => void server.close());

test('a sequence of tasks: the same status, return values and files as Ansible\'s get_url', async () => {
  const wrong: string[] = [];
  const step = async (label: string, args: Record<string, unknown>) => wrong.push(...await both(label, args));
  await step('new file', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt' });
  await step('again: 304', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt' });
  await step('304 leaves the mode', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt', mode: '0600' });
  await step('force: same bytes, the mode', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt', force: true, mode: '0600' });
  put('a.txt', 'second\n', Math.floor(Date.now() / 1000) - 30);
  await step('checksum file, dest differs', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt', checksum: 'sha256:BASE/sums', backup: true });
  await step('checksum matches: not downloaded', { url: 'BASE/files/a.txt', dest: 'DIR/a.txt', checksum: 'sha256:BASE/sums' });
  await step('into a directory, Content-Disposition', { url: 'BASE/cd?x=1', dest: 'DIR/' });
  await step('into a directory, the URL\'s name', { url: 'BASE/files/b.txt', dest: 'DIR', mode: 'u=rw,g=r,o=' });
  await step('a header it needs', { url: 'BASE/private/b.txt', dest: 'DIR/p.txt', headers: { 'X-Token': 'let-me-in' } });
  await step('without it: 403', { url: 'BASE/private/b.txt', dest: 'DIR/q.txt' });
  await step('gzip', { url: 'BASE/gz', dest: 'DIR/gz.txt' });
  await step('a wrong checksum', { url: 'BASE/files/b.txt', dest: 'DIR/c.txt', checksum: 'sha1:0123abcd' });
  await step('md5', { url: 'BASE/files/b.txt', dest: 'DIR/d.txt', checksum: `md5:${createHash('md5').update('other\n').digest('hex')}` });
  await step('not found', { url: 'BASE/files/none', dest: 'DIR/none' });
  await step('no directory', { url: 'BASE/files/b.txt', dest: 'DIR/no/such' });
  assert.equal(wrong, []);
});

test.run();
