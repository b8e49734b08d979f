// Tiny Debian packages built on this machine (dpkg-deb, which every Debian has) and flat apt repositories of
// them, their Packages and Release files written here as apt-ftparchive would: for tests of apt that need versions
// the lab's proxy (Debian bookworm alone) does not have. A host reads such a repository from a directory
// (`deb [trusted=yes] file:/DIR/SUITE ./`): nothing is signed.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One package: its name and version, relations (Depends, Conflicts...) as control fields, and the files it installs. */
export type DebSpec = { name: string; version: string; fields?: Record<string, string>; files?: Record<string, string> };

/** A package file (NAME_VERSION_all.deb in `dir`, its path) installing `files`, or /usr/share/provision-debs/NAME holding "NAME VERSION". */
export function buildDeb(spec: DebSpec, dir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'provision-deb-'));
  try {
    chmodSync(root, 0o755); // the package's "./", which mkdtemp made 0700
    const files = spec.files ?? { [`/usr/share/provision-debs/${spec.name}`]: `${spec.name} ${spec.version}\n` };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    mkdirSync(join(root, 'DEBIAN'));
    const control = {
      Package: spec.name, Version: spec.version, Architecture: 'all', Maintainer: 'provision tests <debs@provision.invalid>',
      'Installed-Size': '1', ...spec.fields, Description: `${spec.name}, a package of provision's tests`,
    };
    writeFileSync(join(root, 'DEBIAN/control'), `${Object.entries(control).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
    const out = join(dir, `${spec.name}_${spec.version}_all.deb`);
    // The same bytes on every build: files dated by SOURCE_DATE_EPOCH, owned by root.
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, out], { stdio: 'ignore', env: { ...process.env, SOURCE_DATE_EPOCH: '1577836800' } });
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A package file's bytes in base64 (built in a temporary directory, removed after): for a test to put on a host. */
export function debBase64(spec: DebSpec): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-deb-'));
  try {
    return readFileSync(buildDeb(spec, dir)).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A flat repository in `dir` of these packages: each .deb, a Packages file (each package's control fields, then
 * Filename, Size and hashes, as apt-ftparchive writes them) and a Release naming the suite (what apt-get -t and
 * default_release match) with the Packages file's hashes.
 */
export function flatRepo(dir: string, suite: string, specs: DebSpec[]): void {
  mkdirSync(dir, { recursive: true });
  const stanzas = specs.map((spec) => {
    const deb = buildDeb(spec, dir);
    const bytes = readFileSync(deb);
    const hash = (alg: string) => createHash(alg).update(bytes).digest('hex');
    const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' }).trimEnd();
    return `${control}\nFilename: ./${deb.slice(dir.length + 1)}\nSize: ${bytes.length}\nMD5sum: ${hash('md5')}\nSHA256: ${hash('sha256')}\n`;
  });
  const packages = join(dir, 'Packages');
  writeFileSync(packages, stanzas.join('\n'));
  const text = readFileSync(packages);
  const size = statSync(packages).size;
  writeFileSync(join(dir, 'Release'), [
    `Origin: provision tests`, `Label: ${suite}`, `Suite: ${suite}`, `Codename: ${suite}`, `Date: ${new Date(0).toUTCString()}`,
    'MD5Sum:', ` ${createHash('md5').update(text).digest('hex')} ${size} Packages`,
    'SHA256:', ` ${createHash('sha256').update(text).digest('hex')} ${size} Packages`, '',
  ].join('\n'));
}
