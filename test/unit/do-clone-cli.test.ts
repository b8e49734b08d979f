// `provision image|hosts ... --provider digitalocean` end to end through the CLI, against the mock API:
// snapshot a droplet of an inventory, clone it, pin host keys, destroy; --check sends only GETs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import nunjucks from 'nunjucks';
import ssh2 from 'ssh2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostVars, loadInventory, varValues } from '../../engine/inventory/inventory.ts';
import { provision } from '../helpers/cli.ts';
import { startDoMock } from '../helpers/do-mock.ts';

type Mock = Awaited<ReturnType<typeof startDoMock>>;
const dir = mkdtempSync(join(tmpdir(), 'do-cli-'));
const inv = join(dir, 'prod');
let mock: Mock;
let source: { id: number; address: string };

const doCli = (args: string[], m: Mock = mock) =>
  provision([...args, '--provider', 'digitalocean'], { env: { DIGITALOCEAN_TOKEN: 'test-token', DIGITALOCEAN_API_URL: m.url, DIGITALOCEAN_POLL_MS: '5' } });
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};
/** The methods of the requests made by `fn`. */
async function methodsOf(fn: () => Promise<unknown>, m: Mock = mock): Promise<string[]> {
  const before = m.requests.length;
  await fn();
  return m.requests.slice(before).map((r) => r.method);
}
const doHosts = () => (load(readFileSync(join(inv, 'digitalocean.yml'), 'utf8')) as {
  all: { children: { digitalocean: { vars: { known_hosts: string }; children: Record<string, { hosts: Record<string, { ansible_host: string; do_droplet_id: number }> }> } } };
}).all.children.digitalocean;

test.before(async () => {
  mock = await startDoMock({ droplets: [{ name: 'droplet-1' }] });
  const d = [...mock.state.droplets.values()][0];
  source = { id: d.id, address: d.networks.v4[0].ip_address };
  mkdirSync(inv, { recursive: true });
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  vars:\n    ansible_user: root\n  children:\n    droplet:\n      hosts:\n        droplet-1:\n          ansible_host: ${source.address}\n`);
  writeFileSync(join(inv, 'known_hosts'), `${source.address} ssh-ed25519 AAAAsource\n`);
});

test.after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

test('no DIGITALOCEAN_TOKEN: a clear error, exit 4', async () => {
  const r = await provision(['image', 'list', '--provider', 'digitalocean'], { env: { DIGITALOCEAN_TOKEN: '' } });
  assert.is(r.code, 4);
  assert.match(r.stderr, /set DIGITALOCEAN_TOKEN/);
});

test('image create --check finds the droplet by its address and plans shutdown, snapshot, power on with GETs only', async () => {
  let out: { check: boolean; actions: string[] } | undefined;
  const methods = await methodsOf(async () => { out = json(await doCli(['image', 'create', 'droplet-1', '--name', 'gold', '-i', inv, '--check', '--json'])); });
  assert.ok(methods.length > 0 && methods.every((m) => m === 'GET'), methods.join(' '));
  assert.is(out!.check, true);
  assert.equal(out!.actions.map((a) => a.split(' ')[0]), ['shut', 'snapshot', 'power']);
  assert.ok(out!.actions[1].includes(`droplet ${source.id} as gold`));
  assert.is(mock.state.snapshots.length, 0);
});

test('image create snapshots the droplet and powers it on; a second image of that name is refused', async () => {
  const out = json<{ result: { id: number; name: string; droplet: number } }>(await doCli(['image', 'create', 'droplet-1', '--name', 'gold', '-i', inv, '--json']));
  assert.is(out.result.droplet, source.id);
  assert.is(out.result.id, mock.state.snapshots[0].id);
  assert.is(mock.state.droplets.get(source.id)!.status, 'active');
  const again = await doCli(['image', 'create', 'droplet-1', '--name', 'gold', '-i', inv]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /snapshot named gold exists already/);
  const list = json<Array<{ name: string; id: number }>>(await doCli(['image', 'list', '--json']));
  assert.equal(list.map((s) => [s.name, s.id]), [['gold', out.result.id]]);
});

test('hosts create --check plans 12 droplets with GETs only and writes nothing', async () => {
  let out: { actions: string[] } | undefined;
  const methods = await methodsOf(async () => { out = json(await doCli(['hosts', 'create', '--image', 'gold', '-c', '12', '-g', 'web', '-i', inv, '--check', '--json'])); });
  assert.ok(methods.every((m) => m === 'GET'), methods.join(' '));
  assert.match(out!.actions[0], /^create droplets web-1, web-2, .*web-12 from snapshot gold \(\d+\) in ams3, size s-1vcpu-1gb$/);
  assert.not.ok(existsSync(join(inv, 'digitalocean.yml')));
});

test('hosts create starts 12 droplets in POSTs of 10 and 2, adds them to the inventory with host keys pinned', async () => {
  const out = json<{ result: Array<{ name: string; address: string; hostKey: string; dropletId: number }> }>(
    await doCli(['hosts', 'create', '--image', 'gold', '-c', '12', '-g', 'web', '-i', inv, '--ssh-key', '7', '--json']));
  const posts = mock.requests.filter((r) => r.method === 'POST' && r.path === '/v2/droplets');
  assert.equal(posts.map((p) => (p.body as { names: string[] }).names.length), [10, 2]);
  assert.equal((posts[0].body as { ssh_keys: string[] }).ssh_keys, ['7']);
  assert.equal(out.result.map((h) => h.name), Array.from({ length: 12 }, (_, i) => `web-${i + 1}`));
  const group = doHosts();
  assert.is(group.vars.known_hosts, join(inv, 'known_hosts'));
  const known = readFileSync(join(inv, 'known_hosts'), 'utf8').trim().split('\n');
  assert.is(known[0], `${source.address} ssh-ed25519 AAAAsource`, 'the lines already there are kept');
  assert.is(known.length, 13);
  const keys = new Set(out.result.map((h) => h.hostKey));
  assert.is(keys.size, 12, 'every droplet has its own host key');
  for (const h of out.result) {
    const d = mock.state.droplets.get(h.dropletId)!;
    assert.is(d.image.id, mock.state.snapshots[0].id);
    assert.is(group.children.web.hosts[h.name].ansible_host, h.address);
    assert.is(group.children.web.hosts[h.name].do_droplet_id, h.dropletId);
    assert.ok(known.includes(`${h.address} ${h.hostKey}`));
    // cloud-init renders the user_data for this droplet's hostname: the private key there is the one pinned.
    const userData = nunjucks.renderString(d.user_data!.replace(/^## template: jinja\n/, ''), { v1: { local_hostname: h.name } });
    const cfg = load(userData) as { ssh_keys: { ed25519_private: string; ed25519_public: string } };
    const priv = ssh2.utils.parseKey(cfg.ssh_keys.ed25519_private);
    assert.ok(!(priv instanceof Error), `${h.name}: ${String(priv)}\n${cfg.ssh_keys.ed25519_private}`);
    assert.is(`ssh-ed25519 ${(priv as { getPublicSSH(): Buffer }).getPublicSSH().toString('base64')}`, h.hostKey);
    assert.is(cfg.ssh_keys.ed25519_public, h.hostKey);
  }
  // The inventory, user's file and provision's together, gives every clone its address and the pinned known_hosts.
  const loaded = loadInventory(inv);
  const vars = varValues(hostVars(loaded, 'web-12'));
  assert.is(vars.ansible_host, out.result[11].address);
  assert.is(vars.known_hosts, join(inv, 'known_hosts'));
  assert.is(vars.ansible_user, 'root');
  assert.is(readFileSync(join(inv, 'hosts.yml'), 'utf8').includes('web-'), false, 'the user\'s hosts.yml is not written');
});

test('more hosts in the group are numbered after the ones there', async () => {
  const out = json<{ result: Array<{ name: string }> }>(await doCli(['hosts', 'create', '--image', 'gold', '-c', '2', '-g', 'web', '-i', inv, '--json']));
  assert.equal(out.result.map((h) => h.name), ['web-13', 'web-14']);
  assert.is(Object.keys(doHosts().children.web.hosts).length, 14);
});

test('image delete is refused while droplets run from it; --force --check lists them with GETs only', async () => {
  const refused = await doCli(['image', 'delete', 'gold']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /in use by droplet web-1 \(\d+\), .*web-14/);
  let out: { actions: string[] } | undefined;
  const methods = await methodsOf(async () => { out = json(await doCli(['image', 'delete', 'gold', '--force', '--check', '--json'])); });
  assert.ok(methods.every((m) => m === 'GET'));
  assert.is(out!.actions.length, 15);
  assert.match(out!.actions[14], /^delete snapshot gold/);
});

test('hosts destroy --check calls nothing; hosts destroy deletes the droplets and their inventory lines', async () => {
  let out: { actions: string[] } | undefined;
  assert.equal(await methodsOf(async () => { out = json(await doCli(['hosts', 'destroy', '-g', 'web', '-i', inv, '--check', '--json'])); }), []);
  assert.is(out!.actions.length, 15);
  const methods = await methodsOf(async () => json(await doCli(['hosts', 'destroy', '-g', 'web', '-i', inv, '--json'])));
  assert.equal(methods, Array(14).fill('DELETE'));
  assert.equal([...mock.state.droplets.values()].map((d) => d.name), ['droplet-1']);
  assert.not.ok(existsSync(join(inv, 'digitalocean.yml')));
  assert.is(readFileSync(join(inv, 'known_hosts'), 'utf8'), `${source.address} ssh-ed25519 AAAAsource\n`);
  json(await doCli(['image', 'delete', 'gold', '--json']));
  assert.is(mock.state.snapshots.length, 0);
});

test('a create refused part way deletes the droplets it made and writes no inventory', async () => {
  const limited = await startDoMock({ droplets: [{ name: 'droplet-1' }], dropletLimit: 12 });
  try {
    const src = [...limited.state.droplets.values()][0];
    const inv2 = join(dir, 'small');
    mkdirSync(inv2);
    writeFileSync(join(inv2, 'hosts.yml'), `all:\n  hosts:\n    droplet-1:\n      do_droplet_id: ${src.id}\n`);
    json(await doCli(['image', 'create', 'droplet-1', '--name', 'small', '-i', inv2, '--json'], limited));
    const r = await doCli(['hosts', 'create', '--image', 'small', '-c', '15', '-g', 'app', '-i', inv2], limited);
    assert.is(r.code, 1);
    assert.match(r.stderr, /droplet limit; the 10 droplet\(s\) already created were deleted again/);
    assert.equal([...limited.state.droplets.values()].map((d) => d.name), ['droplet-1']);
    assert.not.ok(existsSync(join(inv2, 'digitalocean.yml')));
    assert.not.ok(existsSync(join(inv2, 'known_hosts')));
  } finally {
    await limited.close();
  }
});

test('a lab inventory is refused for droplets', async () => {
  const labInv = join(dir, 'lab');
  mkdirSync(labInv);
  writeFileSync(join(labInv, 'hosts.yml'), '# Written by `provision lab up`; rewritten by every lab command. Do not edit.\nall: {}\n');
  const r = await doCli(['hosts', 'create', '--image', 'gold', '-g', 'web', '-i', labInv]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /is a lab inventory/);
});

test.run();
