// The test app's bundle tarball, as `meteor bundle` of Meteor 0.6.5 leaves it: the fixture's bundle/ tree
// (test/fixtures/app) plus bundle/programs/server/node_modules/fibers, the fibers@1.0.1 that Meteor 0.6.5's
// dev bundle put there, taken from the npm registry (packed on this machine by the caller's packer, usually
// modules/npm/pack.ts's npmPack, which this room may not import). The one builder of it: the demo, the bench
// (provision's and Ansible's) and the tests all use it. Its bytes depend only on its content (names sorted,
// fixed mtime, owner and modes, gzip -n), so its release id (the first 12 hex of its sha256) is the same on
// every machine; each content is built once and cached under the cache dir (app-bundles/).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { NpmPack } from '../engine/module.ts';
import { ROOT } from '../engine/root.ts';
import { cacheDir } from './paths.ts';

/** The fibers Meteor 0.6.5 bundled (scripts/generate-dev-bundle.sh at release/0.6.5.2) and its README names. */
export const APP_FIBERS = 'fibers@1.0.1';
/** Where the release text GET / reports lives in the bundle (the app's private/release.txt). */
export const RELEASE_FILE = 'programs/server/assets/app/release.txt';
/** Every file of the tarball gets this mtime: Meteor 0.6.5.2's time, 2013-09-13. */
const MTIME = '@1379030400';

export type AppBundleOptions = {
  /** The text GET / reports as `release` (RELEASE_FILE); the fixture's own ("test-release-1") when left out. */
  release?: string;
  /** Paths below bundle/ to write (text) or remove (null), after fibers is in place: what a test breaks on purpose. */
  files?: Record<string, string | null>;
};

export type AppBundle = {
  /** The .tgz, holding bundle/ at its top as `meteor bundle OUT.tgz` writes it. */
  tarball: string;
  /** The same tree unpacked (DIR/bundle/...): what a git repository of a built app would hold. */
  dir: string;
  sha256: string;
  /** The release id the app module gives it: the first 12 hex of sha256. */
  id: string;
};

const fixtureDir = () => join(ROOT, 'test/fixtures/app/bundle');

/** Every file below `dir` (relative paths, sorted) with its bytes' hash and whether it is executable. */
function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else h.update(`${relative(dir, p)}\0${st.mode & 0o111 ? 'x' : '-'}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex');
}

function safeRel(p: string): string {
  if (p.startsWith('/') || p.split('/').some((c) => c === '..' || c === '')) throw new Error(`appBundle: bad path "${p}"`);
  return p;
}

/** Builds (or finds in the cache) the test app's bundle with `pack(APP_FIBERS)` in it. */
export function appBundle(pack: (spec: string) => NpmPack, o: AppBundleOptions = {}): AppBundle {
  const fibers = pack(APP_FIBERS);
  const files: Record<string, string | null> = { ...(o.release === undefined ? {} : { [RELEASE_FILE]: `${o.release}\n` }), ...o.files };
  const key = createHash('sha256').update(JSON.stringify({ fixture: treeDigest(fixtureDir()), fibers: fibers.sha256,
    files: Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)) })).digest('hex').slice(0, 20);
  const root = join(cacheDir(), 'app-bundles');
  const out = join(root, key);
  if (!existsSync(join(out, 'meta.json'))) {
    mkdirSync(root, { recursive: true });
    const tmp = mkdtempSync(join(root, '.build-'));
    try {
      const bundle = join(tmp, 'tree', 'bundle');
      cpSync(fixtureDir(), bundle, { recursive: true });
      const modules = join(bundle, 'programs/server/node_modules');
      mkdirSync(modules, { recursive: true });
      writeFileSync(join(tmp, 'fibers.tgz'), fibers.tarball);
      execFileSync('tar', ['-xzf', join(tmp, 'fibers.tgz'), '-C', modules, '--no-same-owner']);
      if (!existsSync(join(modules, 'fibers', 'package.json'))) throw new Error(`appBundle: the ${APP_FIBERS} pack holds no fibers/package.json`);
      for (const [p, text] of Object.entries(files)) {
        const at = join(bundle, safeRel(p));
        if (text === null) rmSync(at, { recursive: true, force: true });
        else {
          mkdirSync(dirname(at), { recursive: true });
          writeFileSync(at, text);
        }
      }
      // Deterministic: names sorted, one mtime, root's numeric owner, modes from the executable bits only.
      const tar = execFileSync('tar', ['--sort=name', `--mtime=${MTIME}`, '--owner=0', '--group=0', '--numeric-owner',
        '--mode=u=rwX,go=rX', '--format=gnu', '-cf', '-', '-C', join(tmp, 'tree'), 'bundle'], { maxBuffer: 256 << 20, env: { ...process.env, LC_ALL: 'C' } });
      const tgz = execFileSync('gzip', ['-n', '-9'], { input: tar, maxBuffer: 256 << 20 });
      writeFileSync(join(tmp, 'bundle.tgz'), tgz);
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ sha256: createHash('sha256').update(tgz).digest('hex'), fibers: `${fibers.name}@${fibers.version}` }));
      rmSync(join(tmp, 'fibers.tgz'));
      chmodSync(tmp, 0o755);
      try {
        renameSync(tmp, out);
      } catch (err) {
        // Built at the same time by another process: theirs is the same bytes.
        if (!existsSync(join(out, 'meta.json'))) throw err;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const { sha256 } = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { sha256: string };
  return { tarball: join(out, 'bundle.tgz'), dir: join(out, 'tree'), sha256, id: sha256.slice(0, 12) };
}
