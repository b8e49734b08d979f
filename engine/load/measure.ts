// One load measurement: autocannon (as a library) against a URL for a while, reduced to the numbers
// `provision load` reports. Sticky sessions: a client that got HAProxy's cookie sends it back.
import autocannon from 'autocannon';

export type Measurement = {
  /** Requests per second, averaged over the run. */
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers that were not 2xx. */
  non2xx: number;
  requests: number;
  seconds: number;
};

export type LoadOptions = { durationS: number; connections: number; cookie?: string; timeoutS?: number };

export async function measure(url: string, o: LoadOptions): Promise<Measurement> {
  const res = await autocannon({
    url,
    duration: o.durationS,
    connections: o.connections,
    timeout: o.timeoutS ?? 10,
    headers: o.cookie ? { cookie: o.cookie } : undefined,
  });
  return {
    rps: Math.round(res.requests.average),
    p50: res.latency.p50,
    p97_5: res.latency.p97_5,
    p99: res.latency.p99,
    errors: res.errors + res.timeouts,
    non2xx: res.non2xx,
    requests: res.requests.total,
    seconds: res.duration,
  };
}
