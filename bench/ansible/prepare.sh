#!/bin/sh
# Controller-side preparation for bench/ansible/droplet.yml; run once, not part of the timed runs.
#
#   bench/ansible/prepare.sh [OUT]        (OUT defaults to /tmp/provision-ansible-bench)
#
# 1. OUT/pegleg.tar.gz: the app bundle, built by the one builder `provision demo` and the tests use
#    (lab/app-bundle.ts: test/fixtures/app plus fibers@1.0.1, deterministic bytes), so the release id
#    (12-hex sha256 prefix) is the one provision gives it.
# 2. OUT/npm/NAME-VERSION.tgz: forever@0.10.8 and meteorite@0.7.8 with their dependencies. Node 0.8's npm 1.2
#    cannot use today's registry, so they are packed on the controller with provision's own packer
#    (modules/npm/pack.ts: `npm install --global-style --ignore-scripts`, cached in /var/cache/provision/npm-packs),
#    i.e. the very tarballs provision uploads. Each holds NAME/ at its top.
# 3. OUT/npm-packs.yml: the list the playbook reads (-e @OUT/npm-packs.yml): name, version, tarball, bins.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-/tmp/provision-ansible-bench}
mkdir -p "$out/npm"
out=$(cd "$out" && pwd)

cd "$root"
node --import tsx --input-type=module -e '
import { copyFileSync, writeFileSync } from "node:fs";
import { npmPack } from "./modules/npm/pack.ts";
import { appBundle } from "./lab/app-bundle.ts";
const [out, ...specs] = process.argv.slice(1);
copyFileSync(appBundle(npmPack).tarball, `${out}/pegleg.tar.gz`);
const packs = specs.map((spec) => {
  const p = npmPack(spec);
  const tgz = `${out}/npm/${p.name}-${p.version}.tgz`;
  writeFileSync(tgz, p.tarball);
  return { name: p.name, version: p.version, tgz, bins: Object.entries(p.bins).map(([name, path]) => ({ name, path })) };
});
// JSON is YAML: ansible-playbook -e @npm-packs.yml reads it.
writeFileSync(`${out}/npm-packs.yml`, JSON.stringify({ npm_packs: packs }, null, 2) + "\n");
' "$out" forever@0.10.8 meteorite@0.7.8

echo "prepared $out: pegleg.tar.gz, npm-packs.yml, npm/*.tgz"
