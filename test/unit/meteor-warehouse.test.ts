// The meteor module's warehouse fact (modules/meteor/warehouse.ts), its script run here on warehouses laid out by
// the lab's builder (lab/meteor-release.ts, the layout Meteor's installer leaves): a release counts as installed
// only when its manifest's tools and every package it names are there (Meteor's warehouse.js test), and the
// latest release is read from releases/latest. getent is a stand-in on PATH, so the home can be a scratch dir.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { meteorReleases, warehouse } from '../../lab/meteor-release.ts';
import { warehouseFact } from '../../modules/meteor/warehouse.ts';

const home = mkdtempSync(join(tmpdir(), 'meteor-home-'));
const bin = join(home, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'getent'), `#!/bin/sh\necho "deploy:x:1001:1001::${home}:/bin/bash"\n`);
chmodSync(join(bin, 'getent'), 0o755);
const w = join(home, '.meteor');
const releases = meteorReleases();

function read() {
  const fact = warehouseFact('deploy');
  const out = execFileSync('sh', ['-c', fact.script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
  const { platform, ...rest } = fact.parse(out, 0);
  assert.match(platform, /^Linux_/);
  return rest;
}

test.after(() => {
  execFileSync('chmod', ['-R', 'u+w', home]);
  rmSync(home, { recursive: true, force: true });
});

test('no warehouse', () => {
  assert.equal(read(), { home, warehouse: false, runnable: false, latest: undefined, releases: [] });
});

test('a warehouse as the bootstrap tarball leaves it: its release whole, and the latest', () => {
  warehouse(w, '0.6.5.2', releases['0.6.5.2']);
  assert.equal(read(), { home, warehouse: true, runnable: true, latest: '0.6.5.2', releases: ['0.6.5.2'] });
});

test('a manifest whose tools or a package is missing is not a release installed', () => {
  // 0.6.5.1's manifest beside it, without its tools: not whole. Its tools there: whole (the packages are shared).
  writeFileSync(join(w, 'releases', '0.6.5.1.release.json'), JSON.stringify({ tools: releases['0.6.5.1'].tools, packages: releases['0.6.5.1'].packages }));
  assert.equal(read().releases, ['0.6.5.2']);
  mkdirSync(join(w, 'tools', releases['0.6.5.1'].tools));
  assert.equal(read().releases, ['0.6.5.1', '0.6.5.2']);
  const [name, version] = Object.entries(releases['0.6.5.2'].packages)[0];
  renameSync(join(w, 'packages', name, version), join(w, 'packages', name, `.${version}.gone`));
  assert.equal(read().releases, [], 'a package both releases name is gone: neither is whole');
});

test('a manifest that is not JSON is not a release; a ~/.meteor/meteor that does not run is said so', () => {
  writeFileSync(join(w, 'releases', '0.6.5.3.release.json'), '{ "tools": ');
  assert.equal(read().releases, []);
  rmSync(join(w, 'meteor'));
  assert.equal(read(), { home, warehouse: true, runnable: false, latest: '0.6.5.2', releases: [] });
});

test.run();
