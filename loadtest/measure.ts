// One load measurement: autocannon (as a library) against a URL for a while, reduced to the numbers
// `provision load` reports.
//
// Every connection behaves as one browser session: it keeps the affinity cookie (HAProxy's SERVERID)
// its first answer set and sends it back on every later request (on a new connection too). An answer that sets a different value
// means the balancer moved that session to another instance: affinity broken under load, counted.
import autocannon from 'autocannon';

export type Measurement = {
  /** Requests per second, averaged over the run. */
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  /** Connection errors and timeouts (autocannon counts a timeout among its errors). */
  errors: number;
  /** Resets right after the server said "Connection: close" (its keep-alive limit), not counted in errors. */
  keepAliveResets: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  requests: number;
  seconds: number;
  /** Sessions that got an affinity cookie, answers sent back with it, and sessions moved to another instance. */
  sticky: { sessions: number; kept: number; moved: number };
};

export type MeasureOptions = {
  durationS: number;
  connections: number;
  /** A cookie every request sends (`NAME=value`), instead of each session's own. */
  cookie?: string;
  /** The affinity cookie each session keeps (default SERVERID, HAProxy's). */
  cookieName?: string;
  timeoutS?: number;
  /** Stops the load early (Ctrl-C): the numbers so far are returned. */
  signal?: AbortSignal;
  /** Called every second with the requests answered in that second. */
  onTick?: (requests: number) => void;
};

/** The value a Set-Cookie header (one or several) gives to `name`, if it sets it. */
export function setCookieValue(header: string | string[] | undefined, name: string): string | undefined {
  for (const line of [header ?? []].flat()) {
    const m = /^\s*([^=;\s]+)\s*=\s*([^;]*)/.exec(line);
    if (m && m[1] === name) return m[2].trim();
  }
  return undefined;
}

type Client = NodeJS.EventEmitter & { setHeaders(headers: Record<string, string>): void };
type RawHeaders = { headers?: string[] };

export async function measure(url: string, o: MeasureOptions): Promise<Measurement> {
  const name = o.cookieName ?? 'SERVERID';
  const sticky = { sessions: 0, kept: 0, moved: 0 };
  let keepAliveResets = 0;
  const base: Record<string, string> = o.cookie ? { cookie: o.cookie } : {};
  const run = autocannon({
    url,
    duration: o.durationS,
    connections: o.connections,
    timeout: o.timeoutS ?? 10,
    headers: base,
    // One Client per connection (autocannon's documented client API): its 'headers' event carries each
    // answer's raw headers, setHeaders changes what its next requests send.
    setupClient: ((client: Client) => {
      let sid: string | undefined;
      let closing = false;
      client.on('headers', (h: RawHeaders) => {
        const raw = h.headers ?? [];
        const values = (key: string) => {
          const found: string[] = [];
          for (let k = 0; k + 1 < raw.length; k += 2) if (raw[k].toLowerCase() === key) found.push(raw[k + 1]);
          return found;
        };
        closing = values('connection').some((v) => v.toLowerCase() === 'close');
        if (o.cookie) return;
        const set = setCookieValue(values('set-cookie'), name);
        if (set === undefined) {
          if (sid !== undefined) sticky.kept++;
          return;
        }
        if (sid === undefined) sticky.sessions++;
        else if (set !== sid) sticky.moved++;
        sid = set;
        client.setHeaders({ ...base, cookie: `${name}=${sid}` });
      });
      // The server ended a keep-alive connection at its request limit (nginx: keepalive_requests, 1000)
      // with "Connection: close", and autocannon had already written the next request: the reset that
      // follows is no failure of the site (a browser sends such a GET again on a new connection).
      client.on('connError', () => {
        if (closing) keepAliveResets++;
        closing = false;
      });
    }) as unknown as autocannon.Options['setupClient'],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>; // without a callback: both (init.js)
  o.signal?.addEventListener('abort', () => run.stop(), { once: true });
  // 'tick' passes the second's counts (lib/run.js), which @types/autocannon leaves out.
  if (o.onTick) (run as unknown as NodeJS.EventEmitter).on('tick', (t: { counter: number }) => o.onTick!(t.counter));
  const res = await run;
  return {
    rps: Math.round(res.requests.average),
    p50: res.latency.p50,
    p97_5: res.latency.p97_5,
    p99: res.latency.p99,
    // autocannon's errors include its timeouts.
    errors: Math.max(0, res.errors - keepAliveResets),
    keepAliveResets,
    non2xx: res.non2xx,
    requests: res.requests.total,
    seconds: res.duration,
    sticky,
  };
}
