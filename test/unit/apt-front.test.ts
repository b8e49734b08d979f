// The lab's apt proxy front (lab/apt-front.mjs), between a stand-in for apt-cacher-ng and clients
// on loopback: one upstream fetch of a release index for many requests, everything else passed through.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../engine/root.ts';

type Seen = { url: string; headers: IncomingHttpHeaders };
const seen: Seen[] = [];
const BIG = Buffer.alloc(3 << 20, 7);
let fail500 = 0;
let upstream: Server;
let front: ChildProcess;
let port = 0;

async function startFront(freshMs: number): Promise<void> {
  front = spawn(process.execPath, [join(ROOT, 'lab/apt-front.mjs'), '0', String((upstream.address() as { port: number }).port)],
    { env: { ...process.env, APT_FRONT_FRESH_MS: String(freshMs) }, stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    front.stdout!.on('data', (d: Buffer) => resolve(Number(/listening (\d+)/.exec(d.toString())![1])));
    front.on('exit', (code) => reject(new Error(`apt-front exited ${code}`)));
  });
}

test.before(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    if (req.url!.includes('/flaky') && seen.filter((x) => x.url === req.url).length === 1) return void req.socket.destroy(); // a reset
    if (req.url!.endsWith('/pool/big.deb')) return void res.end(BIG);
    if (req.url!.endsWith('/dists/bookworm/Release') && fail500-- > 0) return void res.writeHead(500).end('busy');
    // A slow answer, as a refetch from the archive is: every request below arrives while it is pending.
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end(`index of ${req.url} #${seen.length}`), 150);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await startFront(300);
});

test.after(() => {
  front.kill('SIGTERM');
  upstream.close();
});

/** A request through the proxy as apt sends it: the absolute URL as the request target. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const IR = 'http://deb.debian.org/debian/dists/bookworm-updates/InRelease';
const count = (url: string) => seen.filter((s) => s.url === url).length;

test('20 hosts asking for one InRelease at once: one upstream fetch, the same answer for all', async () => {
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(IR, i % 2 ? { 'if-modified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' } : {})));
  assert.is(count(IR), 1);
  assert.ok(answers.every((a) => a.status === 200 && a.body.equals(answers[0].body)));
  assert.match(answers[0].body.toString(), `index of ${IR}`);
  assert.is(seen.find((s) => s.url === IR)!.headers['if-modified-since'], undefined, 'a shared fetch is unconditional');
});

test('within the fresh window the answer is reused; after it, fetched again', async () => {
  const before = count(IR);
  await get(IR);
  assert.is(count(IR), before, 'just fetched: reused');
  await new Promise((r) => setTimeout(r, 400));
  await get(IR);
  assert.is(count(IR), before + 1, 'older than the window: fetched again');
});

test('packages and by-hash indexes pass through: one upstream request each, streamed whole', async () => {
  const deb = 'http://deb.debian.org/debian/pool/big.deb';
  const byHash = 'http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/abc';
  const debs = await Promise.all([get(deb), get(deb), get(deb)]);
  await Promise.all([get(byHash), get(byHash)]);
  assert.is(count(deb), 3);
  assert.is(count(byHash), 2);
  assert.ok(debs.every((d) => d.status === 200 && d.body.equals(BIG)));
});

test('a failed fetch is not kept: the next request asks again', async () => {
  const rel = 'http://deb.debian.org/debian/dists/bookworm/Release';
  fail500 = 1;
  assert.is((await get(rel)).status, 500);
  assert.is((await get(rel)).status, 200);
  assert.is(count(rel), 2);
});

test('a connection reset before any answer is retried, for a release index and for a package alike', async () => {
  const index = 'http://deb.debian.org/debian/dists/flaky/InRelease';
  const deb = 'http://deb.debian.org/debian/pool/flaky.deb';
  assert.is((await get(index)).status, 200);
  assert.is((await get(deb)).status, 200);
  assert.is(count(index), 2);
  assert.is(count(deb), 2);
});

test.run();
