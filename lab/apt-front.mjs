// The lab's apt proxy front: the hosts' apt traffic reaches apt-cacher-ng through this relay.
//   node apt-front.mjs LISTEN UPSTREAM_PORT     (LISTEN: a unix socket path, or a loopback port; 0 picks one)
// apt-cacher-ng 3.7 fetches a release index (InRelease, Release, Release.gpg) from upstream on every
// request. Two fetches of the same file within a second collide ("Failure to move file ... out of the
// way ... File exists"), and the apt-get update that asked can then wait forever: 10 or more hosts
// updating at once hit it in most runs. So the relay asks apt-cacher-ng for such a file once, hands the
// one answer to every request that came in meanwhile or within FRESH_MS after, and streams everything else
// (packages, by-hash indexes) straight through. Plain JavaScript: it runs as a daemon without a compiler.
import http from 'node:http';
import { unlinkSync } from 'node:fs';

const [listen, upstreamPort] = process.argv.slice(2);
const FRESH_MS = Number(process.env.APT_FRONT_FRESH_MS ?? 10_000);
const RELEASE_INDEX = /\/dists\/[^?]+\/(InRelease|Release|Release\.gpg)$/;
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
// Dropped from a shared fetch: one answer serves requests that sent different ones, so it is always whole.
const CONDITIONAL = new Set(['if-modified-since', 'if-none-match', 'if-range', 'range', 'cache-control', 'pragma']);
// A fresh connection per request: reusing an idle keep-alive socket that apt-cacher-ng had just closed
// answered a request with ECONNRESET, the relay's 502 made apt print `Ign:` for an InRelease, and that
// apt-get update then waited forever. A GET that fails before any answer is also sent again (twice).
const agent = new http.Agent({ keepAlive: false });
const RETRIES = 2;

const NONE = new Set();

function headersWithout(headers, drop = NONE) {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.has(k) && !drop.has(k)));
}

function upstream(req, headers) {
  return http.request({ host: '127.0.0.1', port: Number(upstreamPort), method: req.method, path: req.url, headers, agent });
}

/** url -> { answer: Promise<{status, headers, body}>, at: ms when it arrived, or undefined while pending } */
const shared = new Map();

function fetchWhole(req, attempt = 0) {
  return new Promise((resolve, reject) => {
    const up = upstream(req, headersWithout(req.headers, CONDITIONAL));
    up.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: headersWithout(res.headers, new Set(['content-length'])), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    up.on('error', (e) => (attempt < RETRIES ? fetchWhole(req, attempt + 1).then(resolve, reject) : reject(e)));
    up.end();
  });
}

function fetchOnce(req) {
  const entry = { at: undefined, answer: undefined };
  entry.answer = fetchWhole(req).then((a) => {
    entry.at = Date.now();
    if (a.status >= 500) shared.delete(req.url); // a failure is not kept: the next request tries again
    return a;
  }, (e) => {
    shared.delete(req.url);
    throw e;
  });
  shared.set(req.url, entry);
  return entry;
}

async function serveShared(req, res) {
  const old = shared.get(req.url);
  const entry = old && (old.at === undefined || Date.now() - old.at < FRESH_MS) ? old : fetchOnce(req);
  try {
    const a = await entry.answer;
    res.writeHead(a.status, { ...a.headers, 'content-length': a.body.length });
    res.end(a.body);
  } catch (e) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`apt-front: ${e.message}\n`);
  }
}

function pass(req, res, attempt = 0) {
  const up = upstream(req, headersWithout(req.headers));
  let answered = false;
  up.on('response', (r) => {
    answered = true;
    res.writeHead(r.statusCode, headersWithout(r.headers));
    r.pipe(res);
  });
  up.on('error', (e) => {
    if (!answered && req.method === 'GET' && attempt < RETRIES) pass(req, res, attempt + 1);
    else if (res.headersSent) res.destroy(e);
    else {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`apt-front: ${e.message}\n`);
    }
  });
  if (req.method === 'GET') up.end();
  else req.pipe(up);
}

const server = http.createServer((req, res) => {
  if (process.env.APT_FRONT_LOG) {
    const t0 = Date.now();
    res.on('close', () => process.stderr.write(`${new Date().toISOString()} ${req.socket.remotePort ?? ''} ${req.method} ${req.url} -> ${res.statusCode}${res.writableFinished ? '' : ' ABORTED'} ${Date.now() - t0} ms\n`));
  }
  if (req.method === 'GET' && RELEASE_INDEX.test(req.url) && !req.url.includes('/by-hash/')) serveShared(req, res);
  else pass(req, res);
});
server.keepAliveTimeout = 60_000;
if (/^\d+$/.test(listen)) {
  server.listen(Number(listen), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
} else {
  try {
    unlinkSync(listen);
  } catch { /* not there */ }
  server.listen(listen, () => process.stdout.write(`listening ${listen}\n`));
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
