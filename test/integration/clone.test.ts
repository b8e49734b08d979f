// Clone droplets on the lab: provision a host with droplet.yml, image it while it runs, start 3 clones,
// apply droplet.yml to them. Each clone has its own identity, converges with nothing to do, and serves the app.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { httpGet } from '../helpers/net.ts';

const test = suite('clone');
const IMAGE = 'cltest-droplet';
const GROUP = 'clc';
let lab: TestLab;
let ssh: SshConnection[] = [];
let app: string;
const clonesInv = mkdtempSync(join(tmpdir(), 'provision-clones-'));
type Clone = { name: string; address: string; hostKey: string };
let clones: Clone[] = [];
let layer = '';
const json = async (args: string[]) => {
  const r = await provision(args);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

useLab(test, 'cl', 1, (l, s) => { lab = l; ssh = s; });
test.before(() => { app = bundle('clone-release-1'); });
test.after(async () => {
  await provision(['hosts', 'destroy', '--group', GROUP]);
  await provision(['image', 'delete', IMAGE, '--force']);
});

test('the source droplet converges', async () => {
  const r = await applyJson(['playbooks/droplet.yml', '-e', '@playbooks/lab-vars.yml', '-e', `app_bundle=${app}`], lab.inventory);
  assert.is(r.code, 0, r.raw);
});

test('image create --check says what it would do and does nothing', async () => {
  const out = await json(['image', 'create', 'cl-1', '--name', IMAGE, '-i', lab.inventory, '--check', '--json']);
  assert.is(out.check, true);
  assert.ok(out.actions.some((a: string) => a.includes('freeze')));
  assert.not.ok((await json(['image', 'list', '--json'])).some((i: { name: string }) => i.name === IMAGE));
});

test('image create: a copy of the running host without its identity, logs or pid files; the source runs on', async () => {
  const out = await json(['image', 'create', 'cl-1', '--name', IMAGE, '-i', lab.inventory, '--json']);
  assert.is(out.result.source, 'cl-1');
  console.log(`image of a droplet: ${(out.result.bytes / 2 ** 20).toFixed(0)} MB, its processes frozen ${out.result.frozenMs} ms`);
  layer = out.result.layers[0];
  for (const f of ['etc/ssh/ssh_host_ed25519_key', 'etc/machine-id', 'etc/hostname', 'root/.ssh/authorized_keys']) {
    assert.not.ok(existsSync(join(layer, f)), `${f} is in the image`);
  }
  assert.ok(existsSync(join(layer, 'etc/haproxy/haproxy.cfg')), 'the provisioned config is in the image');
  const runtime = execFileSync('find', [layer, '(', '-path', '*/var/log/*', '-o', '-name', '*.pid', ')', '-type', 'f'], { encoding: 'utf8' });
  assert.is(runtime, '', 'logs or pid files in the image');
  assert.is((await sh(ssh[0], 'systemctl is-system-running')).trim(), 'running');
  assert.is((await httpGet(`http://${lab.hosts[0].address}/ping`)).status, 200);
  const list = await json(['image', 'list', '--json']);
  assert.ok(list.some((i: { name: string }) => i.name === IMAGE));
});

test('hosts create --check plans 3 hosts and starts none', async () => {
  const out = await json(['hosts', 'create', '--image', IMAGE, '--count', '3', '--group', GROUP, '-i', clonesInv, '--check', '--json']);
  assert.is(out.check, true);
  assert.not.ok(existsSync(join(clonesInv, 'hosts.yml')));
});

test('hosts create: 3 clones in the group, each with its own host key (pinned before first contact), machine-id and hostname', async () => {
  const out = await json(['hosts', 'create', '--image', IMAGE, '--count', '3', '--group', GROUP, '-i', clonesInv, '--json']);
  clones = out.result;
  assert.equal(clones.map((c) => c.name), [`${GROUP}-1`, `${GROUP}-2`, `${GROUP}-3`]);
  const known = readFileSync(join(clonesInv, 'known_hosts'), 'utf8');
  const sourceKey = readFileSync(lab.knownHosts, 'utf8').trim().split(' ').slice(1).join(' ');
  assert.is(new Set([...clones.map((c) => c.hostKey), sourceKey]).size, 4, 'host keys are not distinct');
  const ids = new Set<string>();
  for (const c of clones) {
    assert.ok(known.includes(`${c.address} ${c.hostKey}`));
    const conn = await SshConnection.connect({ name: c.name, host: c.address, user: 'root', privateKeyPath: lab.key, knownHostsPath: join(clonesInv, 'known_hosts') });
    try {
      assert.is((await sh(conn, 'hostname')).trim(), c.name);
      ids.add((await sh(conn, 'cat /etc/machine-id')).trim());
    } finally {
      conn.close();
    }
  }
  assert.is(ids.size, 3);
  assert.ok(readFileSync(join(clonesInv, 'hosts.yml'), 'utf8').includes(`${GROUP}:`), 'the group is in the inventory');
});

test('droplet.yml on the clones changes nothing (no task depends on the host), and each serves the app', async () => {
  // The lab's values as the clones' group_vars rather than -e, so that host_vars can override them below.
  mkdirSync(join(clonesInv, 'group_vars'));
  copyFileSync('playbooks/lab-vars.yml', join(clonesInv, 'group_vars', 'all.yml'));
  const r = await applyJson(['playbooks/droplet.yml', '-e', `app_bundle=${app}`], clonesInv);
  assert.is(r.code, 0, r.raw);
  for (const [name, h] of Object.entries(r.report.hosts)) {
    const changed = h.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}: ${t.changes.join('; ')}`);
    assert.equal(changed, [], `${name} changed`);
  }
  // Booted a moment ago: HAProxy marks the instances up after their first health checks pass.
  for (const c of clones) {
    let page = await httpGet(`http://${c.address}/`);
    for (let i = 0; i < 60 && page.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await httpGet(`http://${c.address}/`);
    }
    assert.is(page.status, 200, `${c.name}: ${page.status} ${page.body.slice(0, 200)}`);
    assert.match(page.body, '"release"');
  }
});

test('host-specific values on two clones: only those clones change, and only what the values touch', async () => {
  mkdirSync(join(clonesInv, 'host_vars'));
  writeFileSync(join(clonesInv, 'host_vars', `${GROUP}-2.yml`), 'instances: 4\n');
  writeFileSync(join(clonesInv, 'host_vars', `${GROUP}-3.yml`), `root_url: http://${GROUP}-3.lab\n`);
  const r = await applyJson(['playbooks/droplet.yml', '-e', `app_bundle=${app}`], clonesInv);
  assert.is(r.code, 0, r.raw);
  const changed = (name: string) => r.report.hosts[name].tasks.filter((t) => t.status === 'changed').map((t) => t.task);
  assert.equal(changed(`${GROUP}-1`), []);
  assert.equal(changed(`${GROUP}-2`), ['HAProxy config', 'the app', 'reload haproxy']);
  assert.equal(changed(`${GROUP}-3`), ['the app']);
  const conn = (c: Clone) => SshConnection.connect({ name: c.name, host: c.address, user: 'root', privateKeyPath: lab.key, knownHostsPath: join(clonesInv, 'known_hosts') });
  const [two, three] = [await conn(clones[1]), await conn(clones[2])];
  try {
    assert.is((await sh(two, 'grep -c "server app" /etc/haproxy/haproxy.cfg')).trim(), '4');
    // Every app process (and its forever monitor) on that clone runs with the new ROOT_URL.
    const envs = await sh(three, 'for p in $(pgrep -f bundle/main.js); do tr "\\0" "\\n" < /proc/$p/environ | grep ^ROOT_URL=; done | sort -u');
    assert.is(envs.trim(), `ROOT_URL=http://${GROUP}-3.lab`);
  } finally {
    two.close();
    three.close();
  }
});

test('image delete is refused while clones run from it; --force --check lists them; after hosts destroy it goes', async () => {
  const refused = await provision(['image', 'delete', IMAGE]);
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, `in use by ${GROUP}-1, ${GROUP}-2, ${GROUP}-3`);
  const plan = await json(['image', 'delete', IMAGE, '--force', '--check', '--json']);
  assert.is(plan.actions.filter((a: string) => a.startsWith('destroy')).length, 3);
  assert.ok(existsSync(layer));
  await json(['hosts', 'destroy', '--group', GROUP, '--json']);
  await json(['image', 'delete', IMAGE, '--json']);
  assert.not.ok(existsSync(layer));
});

test.run();
