#!/usr/bin/env -S node --max-semi-space-size=4 --optimize-for-size --expose-gc
// Memory flags, measured on a first run of the droplet at 30 lab hosts (README, Speed); set later
// (v8.setFlagsFromString) they do not resize the heap, so they are here:
// --max-semi-space-size=4: V8's young generation at most 2 x 4 MB instead of 2 x 16 MB (141-158 MB without it).
// --optimize-for-size: the old generation grows less before a collection (its garbage held 20 MB more).
// --expose-gc: uploads collect the buffers ssh2 encrypted them into every 16 MB (engine/transport/ssh.ts).
// Entry point. The TypeScript sources are bundled by esbuild (the compiler tsx itself uses) into
// .build/<fingerprint of the sources>/ the first time they are run after a change (~50 ms): starting from
// the bundle takes ~0.3 s and ~86 MB, through tsx's loader ~0.55 s and ~113 MB. When the bundle cannot be
// written (another user, a read-only tree) or PROVISION_TSX=1, the sources run through tsx as they are.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['cli', 'engine', 'facts', 'modules', 'lab', 'loadtest', 'providers'];

/** Every source file's path, size and mtime: a new fingerprint whenever one changes, appears or goes. */
function fingerprint() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  for (const d of SOURCES) walk(join(root, d));
  h.update(statSync(join(root, 'package-lock.json'), { throwIfNoEntry: false })?.mtimeMs?.toString() ?? '');
  return h.digest('hex').slice(0, 16);
}

async function bundled() {
  const builds = join(root, '.build');
  const dir = join(builds, fingerprint());
  if (!existsSync(join(dir, 'main.js'))) {
    const { build } = await import('esbuild');
    const tmp = `${dir}.${process.pid}.tmp`;
    await build({
      entryPoints: [join(root, 'cli/main.ts')], outdir: tmp, bundle: true, splitting: true, format: 'esm',
      platform: 'node', target: 'node20', packages: 'external', logLevel: 'silent',
    });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process got there first: the same bundle
    }
    // Older bundles: no longer used by anything started from here.
    for (const old of readdirSync(builds)) if (join(builds, old) !== dir && !old.endsWith('.tmp')) rmSync(join(builds, old), { recursive: true, force: true });
  }
  return import(pathToFileURL(join(dir, 'main.js')).href);
}

async function fromSources() {
  const { register } = await import('tsx/esm/api');
  register();
  return import('../cli/main.ts');
}

let cli;
if (process.env.PROVISION_TSX === '1') cli = await fromSources();
else {
  try {
    mkdirSync(join(root, '.build'), { recursive: true });
    cli = await bundled();
  } catch (err) {
    if (!['EACCES', 'EPERM', 'EROFS'].includes(err?.code)) throw err;
    cli = await fromSources();
  }
}
process.exitCode = await cli.main(process.argv);
