// Probes from this machine to lab hosts: TCP reachability and plain HTTP.
import { request } from 'node:http';
import { connect } from 'node:net';

/** open: accepted; refused: RST (nothing listening); timeout: no answer at all (dropped). */
export function tcpProbe(host: string, port: number, timeoutMs = 2000): Promise<'open' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: 'open' | 'refused' | 'timeout') => { s.destroy(); resolve(r); };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.on('connect', () => done('open'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
  });
}

/** Probes until the answer is `want` (a daemon just started or stopped), for up to `timeoutMs`; returns the last answer. */
export async function probeUntil(host: string, port: number, want: 'open' | 'refused' | 'timeout', timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let got = await tcpProbe(host, port);
  while (got !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    got = await tcpProbe(host, port);
  }
  return got;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
