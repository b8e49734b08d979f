// A stand-in for the DigitalOcean API v2 on loopback: droplets, droplet actions, snapshots, with knobs for
// rate limits, slow or hanging or errored actions and slow droplet creation. Response shapes follow the API.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type MockOptions = {
  token?: string;
  /** Every Nth request (after authentication) is answered 429. */
  rateLimitEvery?: number;
  /** false: the 429 carries only the ratelimit-* headers, no Retry-After. */
  retryAfter?: boolean;
  /** The first N requests (after authentication) are answered 500. */
  serverErrors?: number;
  /** The snapshot action stays in-progress for this many GETs (default 1; other actions 1). */
  snapshotPolls?: number;
  shutdownHangs?: boolean;
  /** Actions of this type end 'errored' (and have no effect). */
  errorAction?: string;
  /** New droplets show status 'new' for this many GETs (default 1), then 'active' with a public IPv4. */
  activeAfterPolls?: number;
  /** Caps per_page on listings, to make the client follow links.pages.next. */
  maxPerPage?: number;
  /** The account's droplet limit: a create that would pass it is refused (422), as the API does. */
  dropletLimit?: number;
  /** The first N action requests are refused 422 "pending event", as for a droplet still locked by another action. */
  pendingEvents?: number;
  /** Droplets that exist from the start. */
  droplets?: Array<{ name: string; status?: 'active' | 'off' }>;
};

/** The image a droplet was made from: a snapshot's id and name, or a distribution image. */
export type MockImage = { id: number; name: string; slug: string | null; type: 'snapshot' | 'base' };
type V4 = { ip_address: string; netmask: string; gateway: string; type: 'public' | 'private' };
export type MockDroplet = {
  id: number; name: string; status: 'new' | 'active' | 'off' | 'archive'; locked: boolean; created_at: string;
  region: { slug: string }; size_slug: string; image: MockImage; tags: string[]; user_data?: string;
  networks: { v4: V4[]; v6: never[] }; polls: number;
};
export type MockAction = {
  id: number; status: 'in-progress' | 'completed' | 'errored'; type: string; started_at: string; completed_at: string | null;
  resource_id: number; resource_type: 'droplet'; region_slug: string; pending: number; name?: string;
};
export type MockSnapshot = {
  id: number; name: string; distribution: string; slug: null; public: false; regions: string[]; created_at: string;
  min_disk_size: number; type: 'snapshot'; size_gigabytes: number; droplet_id: number;
};
export type MockState = { droplets: Map<number, MockDroplet>; actions: Map<number, MockAction>; snapshots: MockSnapshot[]; nextId: number };
export type MockRequest = { method: string; path: string; body: unknown; status: number };

/** ISO time to the second, as the API writes it. */
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startDoMock(opts: MockOptions = {}): Promise<{ url: string; close(): Promise<void>; state: MockState; requests: MockRequest[] }> {
  const token = opts.token ?? 'test-token';
  const state: MockState = { droplets: new Map(), actions: new Map(), snapshots: [], nextId: 1000 };
  const requests: MockRequest[] = [];
  let counted = 0;
  let refusedActions = 0;
  let url = '';

  const addDroplet = (name: string, status: MockDroplet['status'], body: Record<string, unknown> = {}): MockDroplet => {
    const d: MockDroplet = {
      id: state.nextId++, name, status, locked: false, created_at: now(), region: { slug: String(body.region ?? 'ams3') },
      size_slug: String(body.size ?? 's-1vcpu-1gb'), image: imageOf(body.image),
      tags: (body.tags as string[]) ?? [], user_data: body.user_data as string | undefined, networks: { v4: [], v6: [] }, polls: 0,
    };
    if (status !== 'new') boot(d);
    state.droplets.set(d.id, d);
    return d;
  };
  const imageOf = (ref: unknown): MockImage => {
    const snap = state.snapshots.find((s) => String(s.id) === String(ref));
    if (snap) return { id: snap.id, name: snap.name, slug: null, type: 'snapshot' };
    return { id: 1, name: '24.04 (LTS) x64', slug: String(ref ?? 'ubuntu-24-04-x64'), type: 'base' };
  };
  const boot = (d: MockDroplet) => {
    const n = (d.id % 250) + 1;
    d.networks.v4 = [
      { ip_address: `203.0.113.${n}`, netmask: '255.255.255.0', gateway: '203.0.113.254', type: 'public' },
      { ip_address: `10.110.0.${n}`, netmask: '255.255.240.0', gateway: '10.110.0.1', type: 'private' },
    ];
  };
  for (const d of opts.droplets ?? []) addDroplet(d.name, d.status ?? 'active');

  /** Applies a completed action to its droplet. */
  const finish = (a: MockAction) => {
    a.status = opts.errorAction === a.type ? 'errored' : 'completed';
    a.completed_at = now();
    const d = state.droplets.get(a.resource_id);
    if (d) d.locked = false;
    if (a.status === 'errored' || !d) return;
    if (a.type === 'shutdown' || a.type === 'power_off') d.status = 'off';
    if (a.type === 'power_on') d.status = 'active';
    if (a.type === 'snapshot') {
      state.snapshots.push({
        id: state.nextId++, name: a.name ?? `${d.name}-${Date.now()}`, distribution: 'Ubuntu', slug: null, public: false,
        regions: [d.region.slug], created_at: now(), min_disk_size: 25, type: 'snapshot', size_gigabytes: 2.36, droplet_id: d.id,
      });
    }
  };

  /** One page of a listing, with links.pages.next as an absolute URL like the API's. */
  const page = <T>(q: URLSearchParams, path: string, key: string, items: T[]) => {
    const per = Math.min(Number(q.get('per_page') ?? 20), opts.maxPerPage ?? 200);
    const n = Number(q.get('page') ?? 1);
    const next = n * per < items.length ? `${url}${path}?${new URLSearchParams({ ...Object.fromEntries(q), page: String(n + 1) })}` : undefined;
    return { [key]: items.slice((n - 1) * per, n * per), links: next ? { pages: { next } } : {}, meta: { total: items.length } };
  };
  const notFound = { id: 'not_found', message: 'The resource you were accessing could not be found.' };
  const unprocessable = (message: string) => [422, { id: 'unprocessable_entity', message }] as const;

  const route = (method: string, path: string, q: URLSearchParams, body: Record<string, unknown>): readonly [number, unknown?] => {
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v2/droplets') {
      const names = body.names;
      if (!Array.isArray(names) || names.length === 0) return unprocessable('names is required');
      if (names.length > 10) return unprocessable('You can only create up to 10 droplets at a time.');
      if (!body.region || !body.size || !body.image) return unprocessable('region, size and image are required');
      if (typeof body.image === 'number' && !state.snapshots.some((s) => s.id === body.image)) return unprocessable('You specified an invalid image for Droplet creation.');
      if (opts.dropletLimit !== undefined && state.droplets.size + names.length > opts.dropletLimit) {
        return unprocessable('creating this/these droplet(s) will exceed your droplet limit');
      }
      const droplets = names.map((n: string) => addDroplet(n, 'new', body));
      const actions = droplets.map((d) => ({ id: state.nextId++, rel: 'create', href: `${url}/v2/actions/${state.nextId - 1}` }));
      return [202, { droplets: droplets.map(show), links: { actions } }];
    }
    if (path === '/v2/droplets' && method === 'GET') {
      const tag = q.get('tag_name');
      return [200, page(q, path, 'droplets', [...state.droplets.values()].filter((d) => !tag || d.tags.includes(tag)).map(show))];
    }
    if ((m = path.match(/^\/v2\/droplets\/(\d+)$/))) {
      const d = state.droplets.get(Number(m[1]));
      if (!d) return [404, notFound];
      if (method === 'DELETE') return state.droplets.delete(d.id), [204];
      if (method !== 'GET') return [405, { id: 'method_not_allowed', message: method }];
      if (d.status === 'new' && ++d.polls > (opts.activeAfterPolls ?? 1)) {
        d.status = 'active';
        boot(d);
      }
      return [200, { droplet: show(d) }];
    }
    if ((m = path.match(/^\/v2\/droplets\/(\d+)\/actions$/)) && method === 'POST') {
      const d = state.droplets.get(Number(m[1]));
      if (!d) return [404, notFound];
      const type = String(body.type);
      if (!['shutdown', 'power_off', 'power_on', 'snapshot'].includes(type)) return unprocessable(`unknown action type ${type}`);
      // A power_off is taken while a shutdown hangs, and ends it; anything else waits for the pending action.
      const hung = [...state.actions.values()].find((a) => a.resource_id === d.id && a.status === 'in-progress' && a.type === 'shutdown');
      if (type === 'power_off' && hung) {
        hung.status = 'errored';
        hung.completed_at = now();
        d.locked = false;
      }
      if (d.locked || (opts.pendingEvents ?? 0) > refusedActions++) return unprocessable('Droplet already has a pending event.');
      const pending = type === 'snapshot' ? opts.snapshotPolls ?? 1 : type === 'shutdown' && opts.shutdownHangs ? Infinity : 1;
      const a: MockAction = {
        id: state.nextId++, status: 'in-progress', type, started_at: now(), completed_at: null, resource_id: d.id,
        resource_type: 'droplet', region_slug: d.region.slug, pending, name: body.name as string | undefined,
      };
      state.actions.set(a.id, a);
      d.locked = true;
      return [201, { action: showAction(a) }];
    }
    if ((m = path.match(/^\/v2\/actions\/(\d+)$/)) && method === 'GET') {
      const a = state.actions.get(Number(m[1]));
      if (!a) return [404, notFound];
      if (a.status === 'in-progress' && a.pending-- <= 0) finish(a);
      return [200, { action: showAction(a) }];
    }
    if ((m = path.match(/^\/v2\/droplets\/(\d+)\/snapshots$/)) && method === 'GET') {
      const id = Number(m[1]);
      if (!state.droplets.has(id)) return [404, notFound];
      return [200, page(q, path, 'snapshots', state.snapshots.filter((s) => s.droplet_id === id).map(showSnapshot))];
    }
    if (path === '/v2/snapshots' && method === 'GET') {
      // This listing has string ids, unlike the droplet's own snapshot listing.
      return [200, page(q, path, 'snapshots', state.snapshots.map((s) => ({ ...showSnapshot(s), id: String(s.id), resource_id: String(s.droplet_id), resource_type: 'droplet' })))];
    }
    if ((m = path.match(/^\/v2\/snapshots\/(\d+)$/)) && method === 'DELETE') {
      const i = state.snapshots.findIndex((s) => s.id === Number(m![1]));
      if (i < 0) return [404, notFound];
      return state.snapshots.splice(i, 1), [204];
    }
    return [404, notFound];
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const u = new URL(req.url!, 'http://mock');
    const method = req.method!;
    let body: unknown;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method, path: u.pathname + u.search, body, status });
      res.writeHead(status, payload === undefined ? headers : { 'Content-Type': 'application/json', ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { id: 'unauthorized', message: 'Unable to authenticate you.' });
    counted++;
    if (opts.rateLimitEvery && counted % opts.rateLimitEvery === 0) {
      const headers: Record<string, string> = { 'ratelimit-limit': '5000', 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) };
      if (opts.retryAfter !== false) headers['retry-after'] = '1';
      return send(429, { id: 'too_many_requests', message: 'API Rate limit exceeded.' }, headers);
    }
    if (counted <= (opts.serverErrors ?? 0)) return send(500, { id: 'server_error', message: 'Server was unable to give you a response.' });
    const [status, payload] = route(method, u.pathname, u.searchParams, (body ?? {}) as Record<string, unknown>);
    send(status, payload);
  };

  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => { text += d; });
    req.on('end', () => handle(req, res, text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url, state, requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function show(d: MockDroplet) {
  const { polls: _polls, user_data: _userData, ...rest } = d;
  return rest;
}

function showAction(a: MockAction) {
  const { pending: _pending, name: _name, ...rest } = a;
  return rest;
}

function showSnapshot(s: MockSnapshot) {
  const { droplet_id: _droplet, ...rest } = s;
  return rest;
}
