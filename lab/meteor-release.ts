// The lab's Meteor 0.6 releases: bootstrap tarballs in the layout Meteor's own release scripts made
// (scripts/admin/bless-release.js and tools/warehouse.js at release/0.6.5.2), served where the installer
// fetched them: {mirror}/bootstrap/{release}/meteor-bootstrap-Linux_x86_64.tar.gz, with the release
// manifest and notices beside them under {mirror}/releases/ as warehouse.meteor.com served them.
//
// Real (lab/meteor/releases.json, taken from Meteor's repository at each release tag): the release names,
// the tools version (the 10-hex hash build-tools-tree.sh computes), the package names, the notices; the
// launcher (lab/meteor/launch-meteor) and LICENSE.txt. Stand-in: the tool's code (lab/meteor/meteor-standin.sh,
// no Node, mongod or tools/*.js inside), each package's built contents (one unipackage.json), and the package
// versions (the package's git tree hash at the tag, where Meteor hashed its build output).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../engine/root.ts';
import { run } from './proc.ts';

export type MeteorRelease = { git: string; tools: string; packages: Record<string, string>; notices: unknown[] };

const here = (f: string) => join(ROOT, 'lab', 'meteor', f);
export const meteorReleases = (): Record<string, MeteorRelease> => JSON.parse(readFileSync(here('releases.json'), 'utf8'));

/** The releases the lab serves: 0.6.5.2 (the droplet's, Node 0.8.26 and later) and 0.6.5.1 (for releases side by side). */
export const MIRRORED_METEOR = ['0.6.5.2', '0.6.5.1'];
/** The only platform lab hosts have, named as the launcher names it (`uname`_`uname -m`). */
const PLATFORM = 'Linux_x86_64';

/** The release manifest as bless-release.js wrote it: the RC's JSON, pretty-printed with two spaces. */
export const manifestText = (r: MeteorRelease) =>
  JSON.stringify({ tools: r.tools, packages: r.packages, upgraders: ['app-packages'] }, null, 2);

/** What goes into a build: a change to any of it builds the tarball again. */
function stamp(): string {
  const h = createHash('sha256');
  for (const f of ['releases.json', 'meteor-standin.sh', 'launch-meteor', 'LICENSE.txt']) h.update(readFileSync(here(f)));
  h.update(readFileSync(join(ROOT, 'lab', 'meteor-release.ts')));
  return h.digest('hex');
}

/** Files 0444 and programs 0555, as files.makeTreeReadOnly leaves what the warehouse unpacks. */
function write(path: string, text: string, program = false): void {
  writeFileSync(path, text);
  chmodSync(path, program ? 0o555 : 0o444);
}

/** ~/.meteor as makeWarehouseStructure + downloadPackages + downloadTools build it, in `dir`. */
export function warehouse(dir: string, name: string, r: MeteorRelease): void {
  for (const d of ['releases', 'packages', 'tools']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  symlinkSync('tools/latest/bin/meteor', join(dir, 'meteor'));
  symlinkSync(`${name}.release.json`, join(dir, 'releases', 'latest'));
  symlinkSync(r.tools, join(dir, 'tools', 'latest'));
  write(join(dir, 'releases', `${name}.release.json`), manifestText(r));
  write(join(dir, 'releases', `${name}.notices.json`), JSON.stringify(r.notices, null, 2));
  for (const [pkg, version] of Object.entries(r.packages)) {
    const p = join(dir, 'packages', pkg, version);
    mkdirSync(p, { recursive: true, mode: 0o755 });
    write(join(p, 'unipackage.json'), `${JSON.stringify({ format: 'unipackage-pre1', summary: `the lab's stand-in for Meteor's ${pkg} package (its built code is not here)`, slices: [], plugins: [] }, null, 2)}\n`);
  }
  const t = join(dir, 'tools', r.tools);
  mkdirSync(join(t, 'bin'), { recursive: true, mode: 0o755 });
  write(join(t, 'bin', 'meteor'), readFileSync(here('meteor-standin.sh'), 'utf8'), true);
  write(join(t, 'launch-meteor'), readFileSync(here('launch-meteor'), 'utf8'), true);
  write(join(t, 'LICENSE.txt'), readFileSync(here('LICENSE.txt'), 'utf8'));
  write(join(t, '.git_version.txt'), `${r.git}\n`);
  write(join(t, '.tools_version.txt'), r.tools);
}

/** Builds the release's bootstrap tarball and manifest files under `mirror` (once: a stamp says what built them). */
export async function meteorRelease(mirror: string, name: string): Promise<void> {
  const r = meteorReleases()[name];
  if (!r) throw new Error(`the lab has no data for Meteor ${name} (lab/meteor/releases.json)`);
  const dir = join(mirror, 'bootstrap', name);
  const want = stamp();
  if (existsSync(join(dir, '.stamp')) && readFileSync(join(dir, '.stamp'), 'utf8') === want) return;
  const tmp = mkdtempSync(join(mirror, '.meteor-'));
  try {
    warehouse(join(tmp, '.meteor'), name, r);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `meteor-bootstrap-${PLATFORM}.tar.gz`);
    await run(['tar', '-czf', `${file}.tmp`, '--owner=0', '--group=0', '--sort=name', '-C', tmp, '.meteor']);
    renameSync(`${file}.tmp`, file);
    mkdirSync(join(mirror, 'releases'), { recursive: true });
    writeFileSync(join(mirror, 'releases', `${name}.release.json`), manifestText(r));
    writeFileSync(join(mirror, 'releases', `${name}.notices.json`), JSON.stringify(r.notices, null, 2));
    writeFileSync(join(dir, '.stamp'), want);
  } finally {
    // The tree is read-only, as Meteor leaves it: writable again to be removed.
    await run(['chmod', '-R', 'u+w', tmp]);
    rmSync(tmp, { recursive: true, force: true });
  }
}
