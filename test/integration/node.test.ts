// The node module on a real lab host: Node 0.8.28 from the lab's dist mirror, checksum verified,
// versions side by side, never downloaded twice, a bad checksum leaving nothing behind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { npmFact } from '../../modules/npm/npm.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('node');
const PB = 'test/fixtures/playbooks';
let lab: TestLab;
let ssh: SshConnection;
const changes = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['nodejs-1'].tasks.flatMap((t) => t.changes);

useLab(test, 'nodejs', 1, (l, s) => { lab = l; ssh = s[0]; });

/** The npm fact reads where global packages go without running npm: it must say what npm itself says. */
async function npmFactAgreesWithNpm(): Promise<void> {
  const read = async () => {
    const fact = npmFact();
    const r = await ssh.exec('sh -s', { stdin: fact.script });
    return fact.parse(r.stdout, r.code);
  };
  const npm = async (args: string) => (await sh(ssh, `PATH=$PATH:/usr/local/bin npm ${args}`)).trim();
  const got = await read();
  assert.equal([got.root, got.bin, got.npm], [await npm('root -g'), `${await npm('prefix -g')}/bin`, await npm('-v')]);
  // A prefix set in ~/.npmrc: the fact asks npm.
  await sh(ssh, 'echo "prefix = /opt/npm-elsewhere" > /root/.npmrc');
  try {
    assert.is((await read()).root, '/opt/npm-elsewhere/lib/node_modules');
  } finally {
    await sh(ssh, 'rm -f /root/.npmrc');
  }
}

test('installs Node 0.8.28 with its npm 1.2 from the mirror, checksum verified', async () => {
  const r = await applyJson([`${PB}/node.yml`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(changes(r), ['install node v0.8.28 (x64) from http://10.233.0.254:8080/dist/v0.8.28',
    'switch /opt/node/current to v0.8.28', 'link /usr/local/bin/node, /usr/local/bin/npm to /opt/node/current']);
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.28');
  assert.is((await sh(ssh, 'npm -v')).trim(), '1.2.30');
  assert.is((await sh(ssh, 'node -e "console.log(require(\'http\').STATUS_CODES[200])"')).trim(), 'OK');
});

test('a second run changes nothing and downloads nothing', async () => {
  const r = await applyJson([`${PB}/node.yml`], lab.inventory);
  assert.is(r.report.hosts['nodejs-1'].changed, 0);
  assert.is(r.report.hosts['nodejs-1'].remote_execs, 1);
});

test('versions side by side: installing 0.8.27 switches current; going back only switches', async () => {
  const r = await applyJson([`${PB}/node.yml`, '-e', 'node_version=0.8.27'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.27');
  assert.is((await sh(ssh, 'ls /opt/node')).trim().split('\n').join(' '), 'current v0.8.27 v0.8.28');
  const back = await applyJson([`${PB}/node.yml`], lab.inventory);
  assert.equal(changes(back), ['switch /opt/node/current to v0.8.28 (was v0.8.27)']);
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.28');
});

test('a current release works the same way: Node 20.19.0 with its npm 10, whose npm installs from a registry itself', async () => {
  const r = await applyJson([`${PB}/node-current-npm.yml`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.is((await sh(ssh, 'node -v')).trim(), 'v20.19.0');
  assert.is((await sh(ssh, 'npm -v')).trim(), '10.8.2');
  await npmFactAgreesWithNpm();
  assert.ok(changes(r).includes('npm install hello-provision@1.0.0'), r.raw);
  assert.is((await sh(ssh, 'hello-provision')).trim(), 'hello from a package installed by npm on Node v20.19.0');
  const again = await applyJson([`${PB}/node-current-npm.yml`], lab.inventory);
  assert.is(again.report.hosts['nodejs-1'].changed, 0, again.raw);
  const back = await applyJson([`${PB}/node.yml`], lab.inventory);
  assert.equal(changes(back), ['switch /opt/node/current to v0.8.28 (was v20.19.0)']);
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.28');
});

test('a wrong checksum fails the task and leaves nothing behind', async () => {
  const r = await applyJson([`${PB}/node-bad-sum.yml`], lab.inventory);
  assert.is(r.code, 1);
  assert.match(r.report.hosts['nodejs-1'].tasks[0].error!, /checksum mismatch for node-v0\.8\.27-linux-x64\.tar\.gz: got sha256 [0-9a-f]{64}, expected 1{64}/);
  assert.is((await sh(ssh, 'ls -A /opt/node-bad | wc -l')).trim(), '0');
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.28');
});

test('npm packages for Node 0.8 (forever, meteorite) packed on this machine, and Meteor from the mirror, run on the host', async () => {
  const r = await applyJson([`${PB}/node-tools.yml`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(changes(r), [
    "install forever 0.10.8, packed on this machine (the host's npm 1.2.30 is too old for today's registry)",
    "install meteorite 0.7.8, packed on this machine (the host's npm 1.2.30 is too old for today's registry)",
    'install Meteor 0.6.5.2 for root from http://10.233.0.254:8080/bootstrap/0.6.5.2/meteor-bootstrap-Linux_x86_64.tar.gz',
    'install the meteor launcher in /usr/local/bin/meteor']);
  // The launcher on PATH runs ~/.meteor/meteor (the layout itself is compared with Meteor's installer in meteor.test.ts).
  assert.is((await sh(ssh, 'meteor --version')).trim(), 'Release 0.6.5.2');
  assert.is((await sh(ssh, 'readlink /root/.meteor/meteor')).trim(), 'tools/latest/bin/meteor');
  assert.match(await sh(ssh, 'forever list 2>&1'), /No forever processes running/);
  assert.match(await sh(ssh, 'mrt --version 2>&1 || true'), /Meteorite version 0\.7\.8/);
  // npm 1.2 run through /usr/local/bin/node takes /usr/local as its global prefix, as it would by hand.
  assert.is((await sh(ssh, 'readlink /usr/local/bin/forever')).trim(), '/usr/local/lib/node_modules/forever/./bin/forever');
  await npmFactAgreesWithNpm();
  const again = await applyJson([`${PB}/node-tools.yml`], lab.inventory);
  assert.is(again.report.hosts['nodejs-1'].changed, 0, again.raw);
});

test('switching Node switches npm: --check does not say a global package of the old npm is there for the new one', async () => {
  // forever is a global package of Node 0.8's npm now (the test before); Node 20's npm has its own global prefix.
  const check = await applyJson([`${PB}/node-switch-npm.yml`, '--check'], lab.inventory);
  const c = check.report.hosts['nodejs-1'].tasks;
  assert.equal(c.map((t) => t.status), ['changed', 'conditional'], check.raw);
  assert.match(c[1].error!, /cannot be predicted: it reads npm:global/);
  const run = await applyJson([`${PB}/node-switch-npm.yml`], lab.inventory);
  assert.is(run.code, 0, run.raw);
  assert.equal(run.report.hosts['nodejs-1'].tasks.map((t) => t.status), ['changed', 'changed'], 'apply installs it');
  assert.is((await sh(ssh, 'PATH=$PATH:/usr/local/bin npm root -g')).trim(), '/opt/node/v20.19.0/lib/node_modules');
  assert.is((await sh(ssh, 'ls /opt/node/v20.19.0/lib/node_modules/forever/package.json')).trim(), '/opt/node/v20.19.0/lib/node_modules/forever/package.json');
  const back = await applyJson([`${PB}/node.yml`], lab.inventory);
  assert.is(back.code, 0, back.raw);
});

test('a project-local package and a Node version removed (not the current one)', async () => {
  await sh(ssh, 'mkdir -p /srv/proj && rm -f /usr/local/bin/forever');
  const r = await applyJson([`${PB}/node-local.yml`], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.match(await sh(ssh, 'cd /srv/proj && ./node_modules/.bin/forever list 2>&1'), /No forever processes running/);
  assert.is((await ssh.exec('test -e /usr/local/bin/forever')).code, 1, 'a local package stays out of PATH');
  assert.is((await sh(ssh, 'ls /opt/node')).trim().split('\n').join(' '), 'current v0.8.28 v20.19.0');
  assert.is((await sh(ssh, 'node -v')).trim(), 'v0.8.28');
  const again = await applyJson([`${PB}/node-local.yml`], lab.inventory);
  assert.is(again.report.hosts['nodejs-1'].changed, 0, again.raw);
});

test.run();
