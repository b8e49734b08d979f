// Bundle tarballs of the test app (test/fixtures/app, a Meteor-bundle-shaped Node 0.8 app).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'provision-bundles-'));

/** A bundle tarball with its own RELEASE text (and, for `broken`, a main.js that exits at once). */
export function bundle(release: string, broken = false): string {
  const dir = join(tmp, release);
  cpSync(new URL('../fixtures/app', import.meta.url).pathname, dir, { recursive: true });
  writeFileSync(join(dir, 'bundle/RELEASE'), `${release}\n`);
  if (broken) writeFileSync(join(dir, 'bundle/main.js'), "console.error('main.js: cannot start (on purpose)'); process.exit(1);\n");
  const tgz = join(tmp, `${release}.tgz`);
  execFileSync('tar', ['-czf', tgz, '-C', dir, 'bundle']);
  return tgz;
}
