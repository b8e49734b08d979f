// Load measurement on loopback (a local HTTP server standing in for nginx) and the knee of a table.
import { createServer, type Server } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { knee } from '../../engine/load/knee.ts';
import { measure } from '../../engine/load/measure.ts';

let server: Server;
let url = '';
const cookies: string[] = [];

test.before(async () => {
  server = createServer((req, res) => {
    if (req.headers.cookie) cookies.push(req.headers.cookie);
    if (req.url === '/fail') return void res.writeHead(503).end('down');
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

test('the knee: the first count whose next step gains less than 10% req/s', () => {
  assert.is(knee([{ instances: 1, rps: 100 }, { instances: 2, rps: 190 }, { instances: 3, rps: 205 }, { instances: 5, rps: 210 }]), 2);
  assert.is(knee([{ instances: 3, rps: 300 }, { instances: 1, rps: 100 }, { instances: 2, rps: 200 }]), undefined, 'every step gains');
  assert.is(knee([{ instances: 1, rps: 100 }, { instances: 2, rps: 109 }]), 1);
  assert.is(knee([{ instances: 1, rps: 100 }]), undefined);
});

test.run();
