// The lab's base image: a debootstrap'd Debian, then a systemd layer built over it in a chroot.
// Both are made once and cached (see paths.images()); hosts stack their own upper layer on top.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { shq } from '../engine/shell.ts';
import { paths } from './paths.ts';
import { run } from './proc.ts';

/** Bump when the recipe below changes: a cached image of another version is rebuilt. */
const RECIPE = 'bookworm-1';
const SUITE = 'bookworm';
const MIRROR = () => process.env.PROVISION_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const BASE_PACKAGES = 'openssh-server,iproute2,python3,ca-certificates,sudo,curl';
const SYSTEMD_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'libpam-systemd', 'xz-utils'];

export type Image = { name: string; layers: string[] };

const imageRoot = () => join(paths.images(), RECIPE);
const stamp = () => join(imageRoot(), 'complete');

/** The layers of the stock lab image, top first, as overlayfs lowerdir wants them. */
export function stockImage(): Image {
  return { name: RECIPE, layers: [join(imageRoot(), 'systemd'), join(imageRoot(), 'base')] };
}

export function imageReady(): boolean {
  return existsSync(stamp());
}

/** Runs argv, passing each output line to `progress`; throws with the last lines on failure. */
function stream(argv: string[], progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 5) tail.shift();
      progress(line);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${argv[0]} failed (exit ${code}): ${tail.join(' / ')}`));
    });
  });
}

function write(root: string, file: string, text: string, mode = 0o644): void {
  const path = join(root, file);
  mkdirSync(join(path, '..'), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

async function buildBase(dir: string, progress: (l: string) => void): Promise<void> {
  await stream(['debootstrap', '--variant=minbase', `--include=${BASE_PACKAGES}`, SUITE, dir, MIRROR()], progress);
  await run(['chroot', dir, 'apt-get', 'clean']);
  // Host keys are per host, and apt lists are fetched fresh by each host through the lab proxy.
  await run(['sh', '-c', `rm -f ${shq(dir)}/etc/ssh/ssh_host_* && find ${shq(dir)}/var/lib/apt/lists -maxdepth 1 -type f -delete`]);
  write(dir, 'etc/apt/sources.list', [
    `deb http://deb.debian.org/debian ${SUITE} main`,
    `deb http://deb.debian.org/debian ${SUITE}-updates main`,
    `deb http://deb.debian.org/debian-security ${SUITE}-security main`, ''].join('\n'));
  write(dir, 'etc/ssh/sshd_config.d/provision-lab.conf', [
    'PermitRootLogin prohibit-password', 'UseDNS no', 'HostKey /etc/ssh/ssh_host_ed25519_key', ''].join('\n'));
  write(dir, 'etc/resolv.conf', 'nameserver 127.0.0.1\n');
  write(dir, 'etc/hosts', '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n');
}

/** The systemd layer: an overlay upper over the base, filled by apt in a chroot. */
async function buildSystemd(base: string, upper: string, progress: (l: string) => void): Promise<void> {
  const work = `${upper}.work`;
  const merged = `${upper}.merged`;
  for (const d of [upper, work, merged]) mkdirSync(d, { recursive: true });
  const q = shq;
  // A private mount namespace: every mount below vanishes with the shell, even if it dies.
  const script = [
    'set -e',
    `mount -t overlay overlay -o lowerdir=${q(base)},upperdir=${q(upper)},workdir=${q(work)} ${q(merged)}`,
    `mount -t proc proc ${q(merged)}/proc`,
    `mount --rbind /dev ${q(merged)}/dev`,
    `mount --bind /etc/resolv.conf ${q(merged)}/etc/resolv.conf`,
    `printf '#!/bin/sh\\nexit 101\\n' > ${q(merged)}/usr/sbin/policy-rc.d`,
    `chmod 755 ${q(merged)}/usr/sbin/policy-rc.d`,
    `DEBIAN_FRONTEND=noninteractive chroot ${q(merged)} apt-get -q update`,
    `DEBIAN_FRONTEND=noninteractive chroot ${q(merged)} apt-get install -y -q ${SYSTEMD_PACKAGES.join(' ')}`,
    `chroot ${q(merged)} apt-get clean`,
    `find ${q(merged)}/var/lib/apt/lists -maxdepth 1 -type f -delete`,
    `rm -f ${q(merged)}/usr/sbin/policy-rc.d`,
  ].join('\n');
  await stream(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], progress);
  rmSync(work, { recursive: true, force: true });
  rmSync(merged, { recursive: true, force: true });
  // Without this, apt's first run in every host writes 2 x 39 MB of package caches into its upper.
  write(upper, 'etc/apt/apt.conf.d/90provision-no-pkgcache', 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n');
  // Every clone gets its own identity at boot: no shared machine-id, no shared random seed.
  write(upper, 'etc/machine-id', '', 0o444);
  rmSync(join(upper, 'var/lib/systemd/random-seed'), { force: true });
}

/** Builds the stock image unless a complete one of this recipe is cached. */
export async function ensureImage(progress: (line: string) => void): Promise<Image> {
  if (imageReady()) return stockImage();
  const root = imageRoot();
  const tmp = `${root}.building`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  progress(`debootstrap ${SUITE} from ${MIRROR()} (once; cached in ${root})`);
  await buildBase(join(tmp, 'base'), progress);
  progress('systemd layer');
  await buildSystemd(join(tmp, 'base'), join(tmp, 'systemd'), progress);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  writeFileSync(stamp(), `${new Date().toISOString()}\n`);
  return stockImage();
}
