// What the lab needs from this machine, each missing piece reported as one line with the fix.
import { mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { UserError } from '../engine/errors.ts';
import { run } from './proc.ts';

const TOOLS: Array<[string, string]> = [
  ['systemd-nspawn', 'systemd-container'],
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['flock', 'util-linux'],
  ['socat', 'socat'],
  ['apt-cacher-ng', 'apt-cacher-ng'],
  ['ssh-keygen', 'openssh-client'],
];

async function has(cmd: string): Promise<boolean> {
  return (await run(['sh', '-c', `command -v ${cmd}`], { nothrow: true })).trim() !== '';
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new UserError('the lab needs root (it creates namespaces, mounts and containers): run it with sudo or as root');
  }
}

export async function checkTools(needImage: boolean): Promise<void> {
  const wanted = needImage ? [['debootstrap', 'debootstrap'] as [string, string], ...TOOLS] : TOOLS;
  const missing: string[] = [];
  for (const [cmd, pkg] of wanted) if (!(await has(cmd))) missing.push(pkg);
  if (missing.length) {
    const names = [...new Set(missing)];
    throw new UserError(`the lab needs ${names.join(', ')}: apt-get install -y ${names.join(' ')}`);
  }
  await requireOverlay();
}

/** overlayfs layers every host over the one image; load it if the kernel has it as a module. */
export async function requireOverlay(filesystems = '/proc/filesystems'): Promise<void> {
  const listed = () => /\toverlay$/m.test(readFileSync(filesystems, 'utf8'));
  if (listed()) return;
  await run(['modprobe', 'overlay'], { nothrow: true });
  if (!listed()) {
    throw new UserError('overlayfs is missing from this kernel: load it with `modprobe overlay` (the lab layers hosts over one image)');
  }
}

/** Refuses to start when `dir` has less than `needMb` free. */
export function checkDisk(dir: string, needMb: number, what: string): void {
  mkdirSync(dir, { recursive: true });
  const s = statfsSync(dir);
  const freeMb = Math.floor((s.bavail * s.bsize) / 2 ** 20);
  if (freeMb < needMb) {
    throw new UserError(`the disk holding ${dir} has ${freeMb} MB free and ${what} needs ${needMb} MB: free some space`);
  }
}

/** systemd in each host needs inotify instances; the default 128 boots only about 20 hosts. */
export async function raiseInotifyLimits(): Promise<void> {
  const want: Record<string, number> = { 'fs.inotify.max_user_instances': 8192, 'fs.inotify.max_user_watches': 524288 };
  for (const [key, value] of Object.entries(want)) {
    const now = Number(readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8'));
    if (now < value) await run(['sysctl', '-q', '-w', `${key}=${value}`]);
  }
}
