// The task corpus of the differential test: the arguments of every module fixture case (test/fixtures/modules)
// that can run on a lab host, with what only the lab can say put in (its mirrors and registry), plus a few
// commands guarded by creates/removes, so registers carry an rc. Left out, each for its reason below.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

export type CorpusTask = {
  /** "module/case" */
  id: string;
  module: string;
  args: Record<string, unknown>;
  /** Local files the task reads (copy and template sources), by the path its args give. */
  local: Record<string, string>;
  /** Variables its template uses. */
  vars: Record<string, unknown>;
  /** How often it is drawn, relative to 1 (apt is slow, so drawn less). */
  weight: number;
  /** The argument naming the path it touches, for a loop over variants of it. */
  pathArg?: string;
};

/** Cases whose apply depends on what no plan can know, or that would cut the lab host off. */
const LEFT_OUT: Record<string, string> = {
  'apt/install-foreign-arch.yml': 'needs an i386 archive the lab does not mirror',
  'apt/remove-arch-native.yml': 'removes libc6: the host would not run again',
  'apt/install-pinned.yml': 'pins a version the archive may no longer carry',
  'apt/noop-pinned.yml': 'pins a version the archive may no longer carry',
  'apt/update-pinned-version.yml': 'pins versions the archive may no longer carry',
  'apt/update-then-install.yml': 'pins a version the archive may no longer carry',
  'command/argv.yml': 'runs a program the host does not have: apply fails where check cannot know it',
  'command/creates-absent.yml': 'unpacks a tarball the host does not have',
  'command/creates-exists.yml': 'unpacks a tarball the host does not have',
  'command/creates-relative-to-chdir.yml': 'runs make in a tree the host does not have',
  'command/shell.yml': 'runs every time (no creates): a second apply always changes',
  'command/cmd-split.yml': 'runs every time (no creates): a second apply always changes',
  'shell/executable.yml': 'runs every time (no creates): a second apply always changes',
  'file/touch-existing.yml': 'touch sets the times every run, as Ansible: a second apply always changes',
  'shell/creates-exists.yml': 'runs make in a tree the host does not have',
  'shell/line.yml': 'redirects into /srv, which the host may not have: apply fails where check cannot know it',
  'firewall/default-policy.yml': 'denies outgoing traffic: later downloads would fail in apply only',
  'firewall/iptables-other-rules.yml': 'denies outgoing traffic: later downloads would fail in apply only',
  'service/sysv-noop.yml': 'drives ssh, the connection the run uses',
  'service/sysv-start-enable.yml': 'drives ssh, the connection the run uses',
  'service/sysv-stop-disable.yml': 'stops ssh, the connection the run uses',
  'npm/online-registry-links-bins.yml': 'a package only the lab registry has, which npm 1.2 (offline) cannot pack',
  'service/reload.yml': 'reloaded changes every time, by definition (as in Ansible): no second apply is quiet',
  'service/reload-stopped.yml': 'reloaded changes every time, by definition (as in Ansible): no second apply is quiet',
  'service/restart-always.yml': 'restarted changes every time, by definition (as in Ansible): no second apply is quiet',
  'service/systemd-ignores-sysv-args.yml': 'restarted changes every time, by definition (as in Ansible): no second apply is quiet',
  'debconf/password-always.yml': 'a password is set on every run (debconf-show never shows one), as in Ansible: no second apply is quiet',
  'sysctl/noop-boolean.yml': 'applies the file to the kernel (reload): lab hosts have /proc/sys read-only, so apply fails where check cannot know it',
  'sysctl/write-and-reload.yml': 'applies the file to the kernel (reload): lab hosts have /proc/sys read-only, so apply fails where check cannot know it',
  'sysctl/set-running.yml': 'sets the running kernel (sysctl_set): lab hosts have /proc/sys read-only, so apply fails where check cannot know it',
  'sysctl/reload-only.yml': 'applies the file to the kernel (reload): lab hosts have /proc/sys read-only, so apply fails where check cannot know it',
  'copy/update-from-src.yml': 'writes a fixture nginx config fragment, which nginx then refuses to start with: known only by starting it',
  'template/noop.yml': 'writes a fixture nginx.conf, which nginx then refuses to start with: known only by starting it',
  'template/update-line.yml': 'writes a fixture nginx.conf, which nginx then refuses to start with: known only by starting it',
  'get_url/download.yml': 'downloads from a made-up server the lab does not have',
  'get_url/same-content.yml': 'downloads from a made-up server the lab does not have',
  'get_url/not-modified.yml': 'downloads from a made-up server the lab does not have',
  'get_url/exists-checksum.yml': 'downloads from a made-up server the lab does not have',
  'get_url/into-directory.yml': 'downloads from a made-up server the lab does not have',
  'unarchive/unpack-local.yml': 'its archive is a stand-in, not a tarball',
  'unarchive/unpacked.yml': 'unpacks an archive the host does not have',
  'unarchive/owner-only.yml': 'unpacks an archive the host does not have',
};
/** Modules left out whole, each for its reason. */
const LEFT_OUT_MODULES: Record<string, string> = {
  app: 'the app\'s fixture bundles are stand-ins, not tarballs (the app has its own lab tests)',
  // Both are skipped in check mode, as Ansible skips them: check cannot say what apply does, by design.
  wait_for: 'does not run in check mode (as in Ansible), and its cases wait for a port or a log no lab host has',
  uri: 'does not run in check mode (as in Ansible), and its cases call a made-up server the lab does not have',
  pip: 'its cases need python3-venv and the wheels pip.test.ts builds, which a lab host has not: venv fails in apply where check cannot know it',
};

const PATH_ARG: Record<string, string> = { file: 'path', copy: 'dest', template: 'dest' };

/** What only the lab can say: its mirrors and registry; checks that need what the host lacks are dropped. */
function forTheLab(module: string, args: Record<string, unknown>): Record<string, unknown> {
  const a = { ...args };
  if (module === 'node') {
    a.mirror = '{{ node_mirror }}';
    delete a.sha256; // a made-up checksum fails only once downloaded
  }
  if (module === 'meteor') a.base_url = '{{ meteor_base_url }}';
  if (module === 'npm' && a.registry === undefined) a.offline = true; // packed here: the lab has no public registry
  // nginx -t on a fragment fails (it wants a whole config); validation is tested on its own. sshd -t stays.
  if (typeof a.validate === 'string' && !a.validate.startsWith('sshd ')) delete a.validate;
  return a;
}

/** Commands guarded by creates/removes: they run once, and their registered results carry an rc. */
const COMMANDS: Array<Record<string, unknown>> = [
  { argv: ['touch', '/root/dx-made'], creates: '/root/dx-made' },
  { argv: ['rm', '-f', '/root/dx-made'], removes: '/root/dx-made' },
  { shell: 'echo made > /etc/dx.conf', creates: '/etc/dx.conf' },
  { argv: ['mkdir', '-p', '/srv/app/releases/2'], creates: '/srv/app/releases/2' },
];

export function loadCorpus(root: string): CorpusTask[] {
  const out: CorpusTask[] = [];
  for (const module of readdirSync(root).sort()) {
    if (LEFT_OUT_MODULES[module]) continue;
    for (const file of readdirSync(join(root, module)).filter((f) => f.endsWith('.yml')).sort()) {
      const id = `${module}/${file}`;
      if (LEFT_OUT[id]) continue;
      const c = load(readFileSync(join(root, module, file), 'utf8')) as { args: Record<string, unknown>; local?: Record<string, string>; vars?: Record<string, unknown>; expect: { error?: string } };
      if (c.expect.error !== undefined) continue;
      out.push({ id, module, args: forTheLab(module, c.args), local: c.local ?? {}, vars: c.vars ?? {}, weight: module === 'apt' || module === 'package' ? 0.3 : 1, pathArg: PATH_ARG[module] });
    }
  }
  COMMANDS.forEach((args, i) => out.push({ id: `command/guarded-${i}`, module: 'command', args, local: {}, vars: {}, weight: 1 }));
  return out;
}

export const leftOut = () => ({ ...LEFT_OUT, ...Object.fromEntries(Object.entries(LEFT_OUT_MODULES).map(([m, why]) => [`${m}/*`, why])) });
