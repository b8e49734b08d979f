// The DigitalOcean client against the mock API in test/helpers/do-mock.ts: snapshot, create, retries, errors.
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cloudConfig, DigitalOcean, DigitalOceanError } from '../../providers/digitalocean/api.ts';
import { startDoMock, type MockOptions, type MockRequest, type MockSnapshot } from '../helpers/do-mock.ts';

type Mock = Awaited<ReturnType<typeof startDoMock>>;
const mocks: Mock[] = [];

async function setup(opts: MockOptions = {}, client: Partial<ConstructorParameters<typeof DigitalOcean>[0]> = {}) {
  const mock = await startDoMock({ droplets: [{ name: 'golden' }], ...opts });
  mocks.push(mock);
  const log: string[] = [];
  const doc = new DigitalOcean({ token: 'test-token', baseUrl: mock.url, pollMs: 10, maxPollMs: 40, log: (l) => log.push(l), ...client });
  return { mock, doc, log, golden: [...mock.state.droplets.values()][0] };
}

/** The droplet action types posted and accepted, in order. */
const actionsPosted = (requests: MockRequest[]) =>
  requests.filter((r) => r.method === 'POST' && r.path.endsWith('/actions') && r.status === 201).map((r) => (r.body as { type: string }).type);

async function rejects<E extends Error>(kind: new (...args: never[]) => E, p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (err) {
    if (err instanceof kind) return err;
    throw err;
  }
  throw new Error(`no ${kind.name} was thrown`);
}

test.after.each(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.close()));
});

test('snapshot of an active droplet: shutdown, snapshot, id found, powered on', async () => {
  const { mock, doc, golden } = await setup();
  const snap = await doc.snapshotDroplet(golden.id, 'golden-1');
  assert.equal(actionsPosted(mock.requests), ['shutdown', 'snapshot', 'power_on']);
  assert.is(snap.name, 'golden-1');
  assert.is(snap.id, mock.state.snapshots[0].id);
  assert.is(typeof snap.id, 'number');
  assert.is(golden.status, 'active');
  const paths = mock.requests.map((r) => `${r.method} ${r.path}`);
  assert.ok(paths.indexOf(`GET /v2/droplets/${golden.id}/snapshots?per_page=200`) < paths.lastIndexOf(`POST /v2/droplets/${golden.id}/actions`));
  assert.ok(mock.requests.every((r) => r.status < 400));
});

test('a droplet that is off is not shut down nor powered on', async () => {
  const { mock, doc, golden } = await setup({ droplets: [{ name: 'golden', status: 'off' }] });
  await doc.snapshotDroplet(golden.id, 'cold');
  assert.equal(actionsPosted(mock.requests), ['snapshot']);
  assert.is(golden.status, 'off');
});

test('an action refused while the droplet has a pending event (422) is asked again', async () => {
  const { mock, doc, log, golden } = await setup({ pendingEvents: 2 });
  await doc.snapshotDroplet(golden.id, 'busy');
  const posts = mock.requests.filter((r) => r.method === 'POST').map((r) => `${(r.body as { type: string }).type} ${r.status}`);
  assert.equal(posts, ['shutdown 422', 'shutdown 422', 'shutdown 201', 'snapshot 201', 'power_on 201']);
  assert.ok(log.some((l) => l.includes('waits for a pending event')));
});

test('a shutdown that hangs falls back to power_off', async () => {
  const { mock, doc, log, golden } = await setup({ shutdownHangs: true });
  const snap = await doc.snapshotDroplet(golden.id, 'golden-2', { shutdownTimeoutMs: 150 });
  assert.equal(actionsPosted(mock.requests), ['shutdown', 'power_off', 'snapshot', 'power_on']);
  assert.is(snap.id, mock.state.snapshots[0].id);
  assert.ok(log.some((l) => /shutdown did not finish.*timeout/.test(l)), log.join('\n'));
});

test('a slow snapshot is polled until done; the newest of same-named snapshots is picked, across pages', async () => {
  const { mock, doc, golden } = await setup({ snapshotPolls: 6, maxPerPage: 1 });
  const old: MockSnapshot = { id: 1, name: 'golden-3', distribution: 'Ubuntu', slug: null, public: false, regions: ['ams3'], created_at: '2020-01-01T00:00:00Z',
    min_disk_size: 25, type: 'snapshot', size_gigabytes: 2, droplet_id: golden.id };
  mock.state.snapshots.push(old);
  const snap = await doc.snapshotDroplet(golden.id, 'golden-3');
  const snapshotAction = [...mock.state.actions.values()].find((a) => a.type === 'snapshot')!;
  const polls = mock.requests.filter((r) => r.path === `/v2/actions/${snapshotAction.id}`);
  assert.is(polls.length, 7);
  assert.is.not(snap.id, 1);
  assert.is(snap.id, mock.state.snapshots[1].id);
  assert.ok(mock.requests.some((r) => r.path.includes('/snapshots?') && r.path.includes('page=2')), 'followed links.pages.next');
});

test('an errored snapshot raises DigitalOceanError and the droplet is still powered on', async () => {
  const { mock, doc, golden } = await setup({ errorAction: 'snapshot' });
  const err = await rejects(DigitalOceanError, doc.snapshotDroplet(golden.id, 'golden-4'));
  assert.match(err.message, /snapshot action \d+ on droplet \d+ errored/);
  assert.is(err.id, 'action_errored');
  assert.equal(actionsPosted(mock.requests), ['shutdown', 'snapshot', 'power_on']);
  assert.is(golden.status, 'active');
  assert.is(mock.state.snapshots.length, 0);
});

test('429s are retried, honouring Retry-After', async () => {
  const { mock, doc } = await setup({ rateLimitEvery: 2 });
  const started = Date.now();
  await doc.listSnapshots();
  await doc.listSnapshots();
  const elapsed = Date.now() - started;
  assert.is(mock.requests.filter((r) => r.status === 429).length, 1);
  assert.is(mock.requests.filter((r) => r.status === 200).length, 2);
  assert.ok(elapsed >= 950, `waited only ${elapsed} ms`);
});

test('429 without Retry-After waits until ratelimit-reset; 5xx is retried with backoff', async () => {
  const waits: number[] = [];
  const { mock, doc } = await setup({ rateLimitEvery: 3, retryAfter: false, serverErrors: 1 }, { sleep: async (ms) => void waits.push(ms) });
  await doc.listSnapshots(); // 500, then 200
  await doc.listSnapshots(); // 429, then 200
  assert.equal(mock.requests.map((r) => r.status), [500, 200, 429, 200]);
  assert.is(waits[0], 1000);
  assert.ok(waits[1] > 0 && waits[1] <= 2100, String(waits[1]));
});

test('23 names are created in POSTs of 10, 10 and 3 and returned active, in order, with IPv4s', async () => {
  const { mock, doc } = await setup({ activeAfterPolls: 2 });
  const names = Array.from({ length: 23 }, (_, i) => `web-${String(i + 1).padStart(2, '0')}`).reverse();
  const hostKeys = Object.fromEntries(names.map((n) => [n, { type: 'ssh-ed25519', privateKey: `PRIV-${n}\nLINE2\n`, publicKey: `ssh-ed25519 AAAA${n}` }]));
  const got = await doc.createDroplets({ names, region: 'ams3', size: 's-1vcpu-1gb', image: 'debian-12-x64', sshKeys: [7], tags: ['clone'], hostKeys });
  const posts = mock.requests.filter((r) => r.method === 'POST' && r.path === '/v2/droplets');
  assert.equal(posts.map((p) => (p.body as { names: string[] }).names.length), [10, 10, 3]);
  assert.equal(got.map((d) => d.name), names);
  for (const d of got) {
    assert.match(d.ipv4, /^203\.0\.113\.\d+$/);
    assert.is(mock.state.droplets.get(d.id)!.status, 'active');
  }
  const last = posts[2].body as { user_data: string; ssh_keys: number[]; tags: string[]; image: string };
  assert.ok(last.user_data.includes(`ssh-ed25519 AAAA${names[22]}`));
  assert.not.ok(last.user_data.includes(`ssh-ed25519 AAAA${names[0]}`), 'user_data carries only its batch');
  assert.equal([last.ssh_keys, last.tags, last.image], [[7], ['clone'], 'debian-12-x64']);
});

test('a create refused part way (droplet limit) fails with the droplets already made, in order', async () => {
  const { doc } = await setup({ dropletLimit: 13 });
  const names = Array.from({ length: 15 }, (_, i) => `db-${i + 1}`);
  const err = await rejects(DigitalOceanError, doc.createDroplets({ names, region: 'ams3', size: 's-1vcpu-1gb', image: 'debian-12-x64' }));
  assert.is(err.status, 422);
  assert.match(err.message, /droplet limit/);
  assert.equal((err as DigitalOceanError & { created: Array<{ name: string }> }).created.map((c) => c.name), names.slice(0, 10));
});

test('listDroplets pages through every droplet and shows the image each was made from', async () => {
  const { doc, golden } = await setup({ maxPerPage: 2 });
  const snap = await doc.snapshotDroplet(golden.id, 'gold');
  await doc.createDroplets({ names: ['a', 'b', 'c'], region: 'ams3', size: 's-1vcpu-1gb', image: snap.id });
  const all = await doc.listDroplets();
  assert.equal(all.map((d) => d.name), ['golden', 'a', 'b', 'c']);
  assert.equal(all.map((d) => d.image?.id), [1, snap.id, snap.id, snap.id]);
});

test('more than 10 names in one POST is refused by the mock with 422', async () => {
  const { mock } = await setup();
  const res = await fetch(`${mock.url}/v2/droplets`, {
    method: 'POST', headers: { Authorization: 'Bearer test-token' },
    body: JSON.stringify({ names: Array.from({ length: 11 }, (_, i) => `n${i}`), region: 'ams3', size: 's', image: 1 }),
  });
  assert.is(res.status, 422);
  assert.is(((await res.json()) as { id: string }).id, 'unprocessable_entity');
});

test('cloudConfig puts each host key under its hostname block', () => {
  const keys = {
    'web-1': { type: 'ssh-ed25519', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAone root@web-1' },
    'web-2': { type: 'ed25519', privateKey: 'PRIV2', publicKey: 'ssh-ed25519 AAAAtwo' },
  };
  const text = cloudConfig(keys);
  const lines = text.split('\n');
  assert.is(lines[0], '## template: jinja');
  assert.is(lines[1], '#cloud-config');
  // Render the jinja as cloud-init would on web-1: keep its block, drop the others.
  const rendered = text.replace(/\{% if v1\.local_hostname == '([^']+)' %\}\n([\s\S]*?)\{% endif %\}\n/g, (_, host: string, block: string) => host === 'web-1' ? block : '');
  const doc = load(rendered.split('\n').slice(1).join('\n')) as Record<string, unknown>;
  assert.equal(doc, {
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: { ed25519_private: keys['web-1'].privateKey, ed25519_public: keys['web-1'].publicKey },
  });
  const web2 = text.slice(text.indexOf("== 'web-2'"));
  assert.ok(web2.includes('ed25519_public: "ssh-ed25519 AAAAtwo"'));
  assert.throws(() => cloudConfig({ 'bad name': keys['web-2'] }), /not a valid hostname/);
  assert.throws(() => cloudConfig({ web: { ...keys['web-2'], type: 'dsa' } }), /unsupported host key type/);
});

test('a wrong token gives a DigitalOceanError naming the path and the API message', async () => {
  const { mock, golden } = await setup();
  const doc = new DigitalOcean({ token: 'wrong', baseUrl: mock.url, pollMs: 10 });
  const err = await rejects(DigitalOceanError, doc.snapshotDroplet(golden.id, 'x'));
  assert.is(err.status, 401);
  assert.is(err.id, 'unauthorized');
  assert.match(err.message, `GET /v2/droplets/${golden.id}: 401 unauthorized: Unable to authenticate you.`);
  assert.is(mock.requests.length, 1);
});

test('deleteSnapshot, deleteDroplet and a 404 from deleting again', async () => {
  const { mock, doc, golden } = await setup();
  const snap = await doc.snapshotDroplet(golden.id, 'gone');
  assert.equal((await doc.listSnapshots()).map((s) => s.id), [snap.id]);
  await doc.deleteSnapshot(snap.id);
  assert.is(mock.state.snapshots.length, 0);
  await doc.deleteDroplet(golden.id);
  const err = await rejects(DigitalOceanError, doc.deleteDroplet(golden.id));
  assert.is(err.status, 404);
  assert.match(err.message, `DELETE /v2/droplets/${golden.id}: 404 not_found`);
});

test.run();
