// Load measurement on loopback (a local HTTP server standing in for nginx) and the knee of a table.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { knee } from '../../loadtest/knee.ts';
import { measure, setCookieValue } from '../../loadtest/measure.ts';

let server: Server;
let url = '';
const cookies: string[] = [];
const served: string[] = [];

test.before(async () => {
  server = createServer((req, res) => {
    if (req.headers.cookie) cookies.push(req.headers.cookie);
    if (req.url === '/fail') return void res.writeHead(503).end('down');
    // A balancer with affinity: a session without the cookie is given one, round robin; /flaky moves every
    // 10th session-bearing request to the other server (affinity broken).
    if (req.url === '/sticky' || req.url === '/flaky') {
      const sid = /SERVERID=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
      served.push(sid ?? 'new');
      if (!sid) res.setHeader('set-cookie', [`other=1; Path=/`, `SERVERID=app${served.length % 2}; path=/`]);
      else if (req.url === '/flaky' && served.length % 10 === 0) res.setHeader('set-cookie', `SERVERID=${sid === 'app0' ? 'app1' : 'app0'}`);
    }
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));

test('a second of load: requests counted, latency percentiles ordered, no errors', async () => {
  const m = await measure(`${url}/`, { durationS: 1, connections: 5 });
  assert.ok(m.rps > 100, `${m.rps} req/s`);
  assert.ok(m.requests >= m.rps * 0.5);
  assert.ok(m.p50 <= m.p97_5 && m.p97_5 <= m.p99);
  assert.is(m.errors, 0);
  assert.is(m.non2xx, 0);
});

test('non-2xx answers and refused connections are counted; the cookie is sent', async () => {
  const bad = await measure(`${url}/fail`, { durationS: 1, connections: 2, cookie: 'SERVERID=app2' });
  assert.ok(bad.non2xx > 0 && bad.non2xx === bad.requests, JSON.stringify(bad));
  assert.ok(cookies.length > 0 && cookies.every((c) => c === 'SERVERID=app2'));
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await measure(`http://127.0.0.1:${port}/`, { durationS: 1, connections: 2 });
  assert.ok(refused.errors > 0, JSON.stringify(refused));
});

test('each connection keeps the affinity cookie it was given and sends it back; a moved session is counted', async () => {
  served.length = 0;
  const m = await measure(`${url}/sticky`, { durationS: 1, connections: 4 });
  assert.is(m.sticky.sessions, 4, JSON.stringify(m.sticky));
  assert.is(m.sticky.moved, 0);
  assert.is(m.sticky.kept, m.requests - 4, 'every later request came back with its cookie');
  assert.is(served.filter((s) => s === 'new').length, 4, 'one cookie-less request per connection');
  assert.ok(served.includes('app0') && served.includes('app1'), 'sessions spread over both');
  const flaky = await measure(`${url}/flaky`, { durationS: 1, connections: 4 });
  assert.ok(flaky.sticky.moved > 0, JSON.stringify(flaky.sticky));
  assert.is(setCookieValue(['a=1', ' SERVERID = app3 ; Path=/'], 'SERVERID'), 'app3');
  assert.is(setCookieValue('SERVERIDX=1', 'SERVERID'), undefined);
});

/** A raw HTTP server that ends every 5th keep-alive connection's request with a reset, after `Connection: close` or not. */
async function resetting(announce: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const srv = createTcpServer((sock: Socket) => {
    let n = 0;
    sock.on('data', (d) => {
      for (const _ of d.toString().split('\r\n\r\n').slice(1)) {
        if (n === 5) return; // the request written after the last answer: never answered
        const last = ++n === 5;
        sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${last && announce ? 'Connection: close\r\n' : ''}\r\nok`);
        // The client writes its next request before it sees the end: the reset then hits that request.
        if (last) setTimeout(() => sock.resetAndDestroy(), 30);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/`, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('a reset after "Connection: close" (a keep-alive limit) is no error; any other reset is', async () => {
  const polite = await resetting(true);
  const a = await measure(polite.url, { durationS: 1, connections: 3 });
  await polite.close();
  assert.ok(a.keepAliveResets > 0, JSON.stringify(a));
  assert.is(a.errors, 0, JSON.stringify(a));
  const rude = await resetting(false);
  const b = await measure(rude.url, { durationS: 1, connections: 3 });
  await rude.close();
  assert.ok(b.errors > 0, JSON.stringify(b));
  assert.is(b.keepAliveResets, 0);
});

test('the knee: the first count whose next step gains less than 10% req/s', () => {
  assert.is(knee([{ instances: 1, rps: 100 }, { instances: 2, rps: 190 }, { instances: 3, rps: 205 }, { instances: 5, rps: 210 }]), 2);
  assert.is(knee([{ instances: 3, rps: 300 }, { instances: 1, rps: 100 }, { instances: 2, rps: 200 }]), undefined, 'every step gains');
  assert.is(knee([{ instances: 1, rps: 100 }, { instances: 2, rps: 109 }]), 1);
  assert.is(knee([{ instances: 1, rps: 100 }]), undefined);
});

test.run();
