// npm packages resolved and packed on the controller, for hosts whose npm cannot reach today's registry
// (Node 0.8's npm 1.2) or that have no registry access: `npm install --global-style` into a scratch
// prefix (dependencies nested, install scripts not run), then one tarball per package. Cached on disk.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NpmPack } from '../../engine/module.ts';

const cacheDir = () => join(process.env.PROVISION_CACHE_DIR ?? '/var/cache/provision', 'npm-packs');

function binsOf(pkg: { name: string; bin?: string | Record<string, string> }): Record<string, string> {
  if (!pkg.bin) return {};
  if (typeof pkg.bin === 'string') return { [pkg.name.replace(/^@[^/]+\//, '')]: pkg.bin };
  return pkg.bin;
}

const packed = new Map<string, NpmPack>();

/** Packs `spec` (name@version) with its dependencies; once per machine, read once per process (every host shares it). */
export function npmPack(spec: string): NpmPack {
  let pack = packed.get(spec);
  if (!pack) packed.set(spec, (pack = packOnDisk(spec)));
  return pack;
}

function packOnDisk(spec: string): NpmPack {
  const id = createHash('sha256').update(spec).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), id);
  if (!existsSync(join(dir, 'meta.json'))) {
    mkdirSync(cacheDir(), { recursive: true });
    const tmp = mkdtempSync(join(cacheDir(), '.pack-'));
    try {
      execFileSync('npm', ['install', '--prefix', tmp, '--global-style', '--ignore-scripts', '--no-audit', '--no-fund',
        '--no-package-lock', '--omit=dev', '--loglevel=error', spec], { stdio: ['ignore', 'ignore', 'pipe'] });
      const name = spec.replace(/(.)@.*$/, '$1');
      const pkg = JSON.parse(readFileSync(join(tmp, 'node_modules', name, 'package.json'), 'utf8'));
      execFileSync('tar', ['-czf', join(tmp, 'pack.tgz'), '-C', join(tmp, 'node_modules'), name]);
      const tarball = readFileSync(join(tmp, 'pack.tgz'));
      const meta = { name, version: pkg.version, bins: binsOf(pkg), sha256: createHash('sha256').update(tarball).digest('hex') };
      mkdirSync(join(tmp, 'out'));
      renameSync(join(tmp, 'pack.tgz'), join(tmp, 'out', 'pack.tgz'));
      writeFileSync(join(tmp, 'out', 'meta.json'), JSON.stringify(meta));
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(tmp, 'out'), dir);
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`cannot pack ${spec} on this machine: ${(e.stderr?.toString() || e.message).trim().split('\n').slice(-2).join(' ')}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Omit<NpmPack, 'tarball'>;
  return { ...meta, tarball: readFileSync(join(dir, 'pack.tgz')) };
}
