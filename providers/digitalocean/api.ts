// DigitalOcean API v2, only what cloning droplets from a snapshot needs: snapshot one droplet, create many
// from the snapshot with pinned SSH host keys, clean up. Rate limits (429) and 5xx are retried here.
import { cloudConfig, type HostKey } from './cloud-config.ts';

export { cloudConfig, type HostKey };

export type DoAction = {
  id: number; status: 'in-progress' | 'completed' | 'errored'; type: string; started_at: string;
  completed_at: string | null; resource_id: number; resource_type: string; region_slug: string | null;
};
export type Droplet = {
  id: number; name: string; status: 'new' | 'active' | 'off' | 'archive'; locked: boolean;
  networks: { v4: Array<{ ip_address: string; netmask: string; gateway: string; type: 'public' | 'private' }>; v6: unknown[] };
  /** The image (or snapshot) it was created from. */
  image?: { id: number | string; name?: string };
};
/** Droplets a failed createDroplets had already created: the caller decides whether to delete them. */
export type DropletCreated = { name: string; id: number };
/** `id` is a number under /v2/droplets/{id}/snapshots but a string under /v2/snapshots; we hand out numbers. */
export type Snapshot = { id: number; name: string; created_at: string; regions: string[]; min_disk_size: number; size_gigabytes: number };

export type DigitalOceanOptions = {
  token: string;
  baseUrl?: string;
  /** Injected by tests; every wait (polls, retries) goes through it. */
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  maxPollMs?: number;
  log?: (line: string) => void;
};

const RATE_TRIES = 8;
const SERVER_TRIES = 5;
/** The API refuses more names than this in one create request. */
const BATCH = 10;
const POWER_TIMEOUT_MS = 120_000;
const SNAPSHOT_TIMEOUT_MS = 3_600_000;
const ACTIVE_TIMEOUT_MS = 600_000;

export class DigitalOceanError extends Error {
  /** status 0: no HTTP answer (network error) or an outcome seen while polling (errored action, timeout). */
  constructor(readonly method: string, readonly path: string, readonly status: number, readonly id: string, readonly apiMessage: string) {
    super(`DigitalOcean ${method} ${path}: ${status ? `${status} ` : ''}${id}: ${apiMessage}`);
    this.name = 'DigitalOceanError';
  }
}

export class DigitalOcean {
  private readonly token: string;
  private readonly baseUrl: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly log: (line: string) => void;

  constructor(opts: DigitalOceanOptions) {
    this.token = opts.token;
    this.baseUrl = (opts.baseUrl ?? 'https://api.digitalocean.com').replace(/\/+$/, '');
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pollMs = opts.pollMs ?? 2000;
    this.maxPollMs = opts.maxPollMs ?? 30_000;
    this.log = opts.log ?? (() => {});
  }

  /**
   * One API call, retried on 429 (always safe: the request was not served) and on 5xx or network errors
   * when `retryUnsafe` or the method is not POST (a retried droplet create could make duplicates).
   */
  private async request<T>(method: string, path: string, body?: unknown, retryUnsafe = false): Promise<T> {
    const mayRetry = method !== 'POST' || retryUnsafe;
    for (let rate = 0, server = 0; ;) {
      let res: Response;
      try {
        res = await fetch(this.baseUrl + path, {
          method,
          headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        const why = `${(err as Error).message}${cause ? `: ${cause.message}` : ''}`;
        if (!mayRetry || ++server >= SERVER_TRIES) throw new DigitalOceanError(method, path, 0, 'network_error', why);
        await this.wait(`${method} ${path}: ${why}`, backoff(server));
        continue;
      }
      if (res.status === 429 && ++rate < RATE_TRIES) {
        await res.body?.cancel();
        await this.wait(`${method} ${path}: rate limited`, rateLimitWait(res, rate));
        continue;
      }
      if (res.status >= 500 && mayRetry && ++server < SERVER_TRIES) {
        await res.body?.cancel();
        await this.wait(`${method} ${path}: ${res.status}`, backoff(server));
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        let err: { id?: string; message?: string } = {};
        try { err = JSON.parse(text); } catch { /* not JSON: a proxy's page, say */ }
        throw new DigitalOceanError(method, path, res.status, err.id ?? 'unknown', err.message ?? (text.slice(0, 200) || res.statusText));
      }
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }

  private async wait(why: string, ms: number): Promise<void> {
    this.log(`${why}; retrying in ${Math.round(ms / 100) / 10} s`);
    await this.sleep(ms);
  }

  /** Calls `step` until it gives a value, sleeping pollMs, doubling up to maxPollMs; `late` makes the timeout error. */
  private async poll<T>(timeoutMs: number, step: () => Promise<T | undefined>, late: () => Error): Promise<T> {
    const start = Date.now();
    let slept = 0; // counts injected sleeps, which do not move the clock
    for (let delay = this.pollMs; ; delay = Math.min(delay * 2, this.maxPollMs)) {
      const done = await step();
      if (done !== undefined) return done;
      const left = timeoutMs - Math.max(Date.now() - start, slept);
      if (left <= 0) throw late();
      const ms = Math.min(delay, left);
      await this.sleep(ms);
      slept += ms;
    }
  }

  /** Resolves once the action completed; an errored action or a timeout is a DigitalOceanError. */
  async waitAction(actionId: number, timeoutMs = POWER_TIMEOUT_MS): Promise<DoAction> {
    const path = `/v2/actions/${actionId}`;
    let last: DoAction | undefined;
    return this.poll(timeoutMs, async () => {
      const { action } = await this.request<{ action: DoAction }>('GET', path);
      last = action;
      if (action.status === 'errored') {
        throw new DigitalOceanError('GET', path, 0, 'action_errored', `${action.type} action ${action.id} on ${action.resource_type} ${action.resource_id} errored`);
      }
      return action.status === 'completed' ? action : undefined;
    }, () => new DigitalOceanError('GET', path, 0, 'timeout', `${last?.type} action ${actionId} still ${last?.status} after ${timeoutMs} ms`));
  }

  /** Posts an action and waits for it; while the droplet is locked by another action (422 pending event) it asks again. */
  private async dropletAction(dropletId: number, body: { type: string; name?: string }, timeoutMs: number): Promise<DoAction> {
    const path = `/v2/droplets/${dropletId}/actions`;
    const action = await this.poll(timeoutMs, async () => {
      try {
        return (await this.request<{ action: DoAction }>('POST', path, body, true)).action;
      } catch (err) {
        if (!(err instanceof DigitalOceanError && err.status === 422 && /pending event/i.test(err.apiMessage))) throw err;
        this.log(`droplet ${dropletId}: ${body.type} waits for a pending event to end`);
        return undefined;
      }
    }, () => new DigitalOceanError('POST', path, 0, 'timeout', `droplet ${dropletId} was still locked by a pending event after ${timeoutMs} ms`));
    return this.waitAction(action.id, timeoutMs);
  }

  async getDroplet(dropletId: number): Promise<Droplet> {
    return (await this.request<{ droplet: Droplet }>('GET', `/v2/droplets/${dropletId}`)).droplet;
  }

  /**
   * Snapshots a droplet, shut down first so the disk is consistent (power_off if a clean shutdown does not finish).
   * A droplet that was active is powered on again afterwards, also when the snapshot failed.
   */
  async snapshotDroplet(dropletId: number, name: string, opts: { shutdownTimeoutMs?: number; snapshotTimeoutMs?: number } = {}): Promise<{ id: number; name: string }> {
    const wasActive = (await this.getDroplet(dropletId)).status === 'active';
    let failed = true;
    try {
      if (wasActive) await this.stop(dropletId, opts.shutdownTimeoutMs ?? 120_000);
      await this.dropletAction(dropletId, { type: 'snapshot', name }, opts.snapshotTimeoutMs ?? SNAPSHOT_TIMEOUT_MS);
      const snap = await this.findSnapshot(dropletId, name);
      this.log(`droplet ${dropletId}: snapshot ${name} is ${snap.id}`);
      failed = false;
      return snap;
    } finally {
      // After a failure, a power_on error is only logged: the snapshot's error is the one to report.
      if (wasActive) {
        await this.dropletAction(dropletId, { type: 'power_on' }, POWER_TIMEOUT_MS).catch((err: Error) => {
          if (!failed) throw err;
          this.log(`droplet ${dropletId}: power_on after the failed snapshot failed too: ${err.message}`);
        });
      }
    }
  }

  private async stop(dropletId: number, shutdownTimeoutMs: number): Promise<void> {
    try {
      await this.dropletAction(dropletId, { type: 'shutdown' }, shutdownTimeoutMs);
    } catch (err) {
      if (!(err instanceof DigitalOceanError)) throw err;
      this.log(`droplet ${dropletId}: shutdown did not finish (${err.message}); powering off`);
      await this.dropletAction(dropletId, { type: 'power_off' }, POWER_TIMEOUT_MS);
    }
  }

  /** The newest snapshot of the droplet with that name (names need not be unique). */
  private async findSnapshot(dropletId: number, name: string): Promise<{ id: number; name: string }> {
    const path = `/v2/droplets/${dropletId}/snapshots?per_page=200`;
    const mine = (await this.pages<Snapshot>(path, 'snapshots')).filter((s) => s.name === name)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || Number(b.id) - Number(a.id));
    if (!mine.length) throw new DigitalOceanError('GET', path, 0, 'not_found', `no snapshot named ${name} after the snapshot action completed`);
    return { id: Number(mine[0].id), name };
  }

  /** Every item of a listing, following links.pages.next (an absolute URL, kept on our baseUrl and token). */
  private async pages<T>(path: string, key: string): Promise<T[]> {
    const out: T[] = [];
    for (let next: string | undefined = path; next;) {
      const page: Record<string, unknown> & { links?: { pages?: { next?: string } } } = await this.request('GET', next);
      out.push(...((page[key] ?? []) as T[]));
      const url = page.links?.pages?.next ? new URL(page.links.pages.next, this.baseUrl) : undefined;
      const after = url && url.pathname + url.search;
      next = after !== next ? after : undefined;
    }
    return out;
  }

  async listSnapshots(): Promise<Snapshot[]> {
    const all = await this.pages<Snapshot>('/v2/snapshots?resource_type=droplet&per_page=200', 'snapshots');
    return all.map((s) => ({ ...s, id: Number(s.id) }));
  }

  async listDroplets(): Promise<Droplet[]> {
    return this.pages<Droplet>('/v2/droplets?per_page=200', 'droplets');
  }

  async deleteSnapshot(id: number | string): Promise<void> {
    await this.request('DELETE', `/v2/snapshots/${id}`);
  }

  async deleteDroplet(id: number): Promise<void> {
    await this.request('DELETE', `/v2/droplets/${id}`);
  }

  /**
   * Creates the droplets (batches of 10) and resolves, in the order of `names`, once all are active with a public IPv4.
   * A failure carries `created`, the droplets already made (see DropletCreated).
   */
  async createDroplets(opts: {
    names: string[]; region: string; size: string; image: number | string; sshKeys?: (number | string)[]; tags?: string[];
    hostKeys?: Record<string, HostKey>; activeTimeoutMs?: number;
  }): Promise<Array<{ id: number; name: string; ipv4: string }>> {
    const { names, hostKeys } = opts;
    // Results are matched by name, and host keys are chosen by hostname, so names must be unique.
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new Error(`createDroplets: the name ${dup} is given twice`);
    const unpinned = hostKeys ? names.filter((n) => !hostKeys[n]) : [];
    if (unpinned.length) throw new Error(`createDroplets: no host key for ${unpinned.join(', ')}`);
    const created = new Map<string, number>();
    try {
      for (let i = 0; i < names.length; i += BATCH) {
        const batch = names.slice(i, i + BATCH);
        const body = {
          names: batch, region: opts.region, size: opts.size, image: opts.image, ssh_keys: opts.sshKeys ?? [], tags: opts.tags ?? [],
          user_data: hostKeys ? cloudConfig(Object.fromEntries(batch.map((n) => [n, hostKeys[n]]))) : undefined,
        };
        const { droplets } = await this.request<{ droplets: Droplet[] }>('POST', '/v2/droplets', body);
        for (const d of droplets) created.set(d.name, d.id);
      }
      const missing = names.filter((n) => !created.has(n));
      if (missing.length) throw new DigitalOceanError('POST', '/v2/droplets', 0, 'missing', `no droplet came back for ${missing.join(', ')}`);
      return await this.waitActive(names, created, opts.activeTimeoutMs ?? ACTIVE_TIMEOUT_MS);
    } catch (err) {
      // The droplets made so far go with the error, so that the caller can delete them rather than leave them running.
      throw Object.assign(err as Error, { created: [...created].map(([name, id]): DropletCreated => ({ name, id })) });
    }
  }

  private async waitActive(names: string[], created: Map<string, number>, timeoutMs: number): Promise<Array<{ id: number; name: string; ipv4: string }>> {
    const ready = new Map<string, { id: number; name: string; ipv4: string }>();
    return this.poll(timeoutMs, async () => {
      for (const [name, id] of created) {
        if (ready.has(name)) continue;
        const d = await this.getDroplet(id);
        const ipv4 = d.networks.v4.find((n) => n.type === 'public')?.ip_address;
        if (d.status === 'active' && ipv4) ready.set(name, { id, name, ipv4 });
      }
      return ready.size === names.length ? names.map((n) => ready.get(n)!) : undefined;
    }, () => new DigitalOceanError('GET', '/v2/droplets/{id}', 0, 'timeout',
      `not active with a public IPv4 after ${timeoutMs} ms: ${names.filter((n) => !ready.has(n)).join(', ')}`));
  }
}

/** Exponential backoff for retries: 1 s, 2 s, 4 s ... up to 30 s. */
function backoff(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 30_000);
}

/** Retry-After (seconds) if given, else until ratelimit-reset (epoch seconds), else backoff. */
function rateLimitWait(res: Response, attempt: number): number {
  const after = Number(res.headers.get('retry-after'));
  if (res.headers.get('retry-after') && Number.isFinite(after)) return Math.max(0, after * 1000);
  const reset = Number(res.headers.get('ratelimit-reset'));
  if (res.headers.get('ratelimit-reset') && Number.isFinite(reset)) return Math.max(0, reset * 1000 - Date.now()) + 100;
  return backoff(attempt);
}
