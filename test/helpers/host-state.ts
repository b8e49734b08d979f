// A lab host's state as an exact check (or a bare view) must leave it, for the tests of the view: each path of its
// root tree (less what the system writes by itself, and what a test names), its units, listeners, firewall rules and
// addresses, and what a test adds. Compared line by line, so that a difference names what changed. Transient units are
// left out: each SSH login is a session scope, listed until logind has closed it (a run's may linger a moment).
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { sh } from './lab.ts';

/** Written by the system itself, not by a run: kernel trees, runtime state, temp files, logs, timer stamps. */
const SYSTEM = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/var/log', '/var/lib/systemd/timers'];

export async function hostState(ssh: SshConnection, o: { prune?: string[]; extra?: string } = {}): Promise<string[]> {
  const prune = [...SYSTEM, ...(o.prune ?? [])].map((p) => `-path ${p}`).join(' -o ');
  return (await sh(ssh, `find / -xdev \\( ${prune} \\) -prune -o -printf '%p %y %s %m %U:%G %T@ %l\\n' 2>/dev/null | sort; ` +
    'systemctl list-unit-files --no-legend 2>/dev/null | awk \'$2 != "transient"\' | sort; systemctl list-units --all --no-legend 2>/dev/null | grep -E "nginx|haproxy|ufw|pegleg"; ' +
    `ss -ltnH | sort; nft list ruleset 2>/dev/null | wc -l; ip -br addr; ${o.extra ?? ':'}`)).split('\n');
}

/** The lines of `before` gone (`- `) and those new (`+ `) in `after`: none when the host is as it was. */
export function changedSince(before: string[], after: string[]): string[] {
  const a = new Set(after);
  const b = new Set(before);
  return [...before.filter((l) => !a.has(l)).map((l) => `- ${l}`), ...after.filter((l) => !b.has(l)).map((l) => `+ ${l}`)];
}
