// firewall facts: ufw's own state (status, default policies, the rule tuples of /etc/ufw/user.rules) or the
// INPUT and OUTPUT chains of iptables, read in one snippet and parsed into normalized rules.
import type { FactDef } from '../../engine/module.ts';
import { type FirewallState, type IptEntry, type Policy, parseIptLine, parseTuple } from './rules.ts';

export type Backend = 'auto' | 'ufw' | 'iptables';

// `ufw status` costs the host a Python start (~60 ms): its status line is read as ufw reads it
// (backend_iptables.get_status: each ufw-user-<direction> chain listed by /usr/sbin/iptables, exit 1 means
// inactive, and ip6tables' chains too when IPV6=yes), with `ufw status` itself when there is no iptables.
const UFW_STATUS = `if [ -x /usr/sbin/iptables ]; then st=active; for d in input output forward; do
  /usr/sbin/iptables -L ufw-user-$d -n >/dev/null 2>&1; rc=$?
  if [ $rc = 1 ]; then st=inactive; break; elif [ $rc != 0 ]; then st="problem running iptables (exit $rc)"; break; fi
  if grep -qs '^IPV6=yes' /etc/default/ufw && [ -e /proc/sys/net/ipv6 ]; then
    /usr/sbin/ip6tables -L ufw6-user-$d -n >/dev/null 2>&1 || { st='problem running ip6tables'; break; }
  fi
done; echo "Status: $st"; else LC_ALL=C ufw status | head -n 1; fi;`;
const UFW = [
  `echo ufw; ${UFW_STATUS}`,
  `grep -E '^DEFAULT_(INPUT|OUTPUT)_POLICY=' /etc/default/ufw;`,
  `grep '^### tuple ###' /etc/ufw/user.rules || true`,
].join(' ');
const IPTABLES = 'echo iptables; iptables -S INPUT && iptables -S OUTPUT';
const has = (cmd: string) => `command -v ${cmd} >/dev/null 2>&1`;

const SCRIPTS: Record<Backend, string> = {
  auto: `if ${has('ufw')}; then ${UFW}; elif ${has('iptables')}; then ${IPTABLES}; else echo none; fi`,
  ufw: `if ${has('ufw')}; then ${UFW}; else echo none; fi`,
  iptables: `if ${has('iptables')}; then ${IPTABLES}; else echo none; fi`,
};

const POLICY: Record<string, Policy> = { DROP: 'deny', ACCEPT: 'allow', REJECT: 'reject' };

function parseUfw(lines: string[]): FirewallState {
  const status = /^Status: (active|inactive)$/.exec(lines[0] ?? '');
  if (!status) throw new Error(`ufw status said "${lines[0] ?? ''}" (not root? use become)`);
  const policy = (name: string): Policy => {
    const v = lines.map((l) => new RegExp(`^DEFAULT_${name}_POLICY="?([A-Z]+)"?$`).exec(l)).find(Boolean)?.[1];
    if (!v || !POLICY[v]) throw new Error(`no DEFAULT_${name}_POLICY in /etc/default/ufw`);
    return POLICY[v];
  };
  const rules = lines.filter((l) => l.startsWith('### tuple ###')).map((l) => parseTuple(l.slice('### tuple ###'.length)));
  return { backend: 'ufw', active: status[1] === 'active', incoming: policy('INPUT'), outgoing: policy('OUTPUT'), rules };
}

function parseIptables(lines: string[]): FirewallState {
  const policy = (chain: string) => lines.map((l) => new RegExp(`^-P ${chain} (ACCEPT|DROP)$`).exec(l)).find(Boolean)?.[1];
  const input = policy('INPUT');
  const output = policy('OUTPUT');
  if (!input || !output) throw new Error('cannot read iptables -S INPUT/OUTPUT (not root? use become)');
  const chain = (name: 'INPUT' | 'OUTPUT'): IptEntry[] =>
    lines.filter((l) => l.startsWith(`-A ${name} `)).map((l) => parseIptLine(l.slice(`-A ${name} `.length), name));
  return { backend: 'iptables', input_policy: input as 'ACCEPT' | 'DROP', output_policy: output as 'ACCEPT' | 'DROP', input: chain('INPUT'), output: chain('OUTPUT') };
}

/** The host's firewall as the backend sees it: `auto` reads ufw when installed, else iptables. */
export function firewallFact(backend: Backend): FactDef<FirewallState> {
  return {
    key: `firewall:${backend}`,
    script: SCRIPTS[backend],
    parse(out) {
      const [kind, ...lines] = out.trim().split('\n').map((l) => l.trim());
      if (kind === 'ufw') return parseUfw(lines);
      if (kind === 'iptables') return parseIptables(lines);
      return { backend: 'none' };
    },
  };
}
