// firewall helpers: the normalized rule, addresses, ufw tuples, iptables rule specs, rule placement and the
// SSH check. Pure functions only: the facts (firewall-facts.ts) and the plan (firewall.ts) share them.

export type RuleAction = 'allow' | 'deny' | 'reject' | 'limit';
export type Proto = 'tcp' | 'udp';
/** One incoming rule: `port` "22" or "6000:6010"; `from` "any", "10.1.2.3" or "10.0.0.0/8" (host bits clear). */
export type Rule = { port: string; proto: Proto | 'any'; from: string; action: RuleAction; comment?: string };

/** A ufw rule: a Rule, or a rule of another shape (outgoing, to an address, an app profile...), kept as its tuple. */
export type UfwEntry = Rule | { tuple: string };
/** A rule of an iptables chain: one of ours (a Rule or a base rule) or another line, as `iptables -S` prints it. */
export type IptEntry = Rule | { base: 'established' | 'loopback' | 'reject' } | { line: string; own?: true };

export type Policy = 'allow' | 'deny' | 'reject';
export type UfwState = { backend: 'ufw'; active: boolean; incoming: Policy; outgoing: Policy; rules: UfwEntry[] };
export type IptState = { backend: 'iptables'; input_policy: 'ACCEPT' | 'DROP'; output_policy: 'ACCEPT' | 'DROP'; input: IptEntry[]; output: IptEntry[] };
export type FirewallState = UfwState | IptState | { backend: 'none' };

export const isRule = (e: object): e is Rule => 'port' in e;
export const sameMatch = (a: Rule, b: Rule) => a.port === b.port && a.proto === b.proto && a.from === b.from;
export const sameRule = (a: Rule, b: Rule) => sameMatch(a, b) && a.action === b.action && a.comment === b.comment;

/** "allow 22/tcp from any (ssh)". */
export function describe(r: Rule): string {
  return `${r.action} ${r.port}/${r.proto} from ${r.from}${r.comment ? ` (${r.comment})` : ''}`;
}

// ---- IPv4 addresses

function ipInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** "0.0.0.0/0" -> "any", "1.2.3.4/32" -> "1.2.3.4"; host bits set are an error (they never read back the same). */
export function normalizeFrom(from: string): string {
  if (from === 'any') return from;
  const [ip, len = '32'] = from.split('/');
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if (((ipInt(ip) & ~mask) >>> 0) !== 0) {
    const net = [24, 16, 8, 0].map((s) => ((ipInt(ip) & mask) >>> s) & 255).join('.');
    throw new Error(`firewall: "${from}" has host bits set: write ${net}/${bits}`);
  }
  return bits === 0 ? 'any' : bits === 32 ? ip : `${ip}/${bits}`;
}

/** Whether every address of `inner` is in `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  if (outer === 'any') return true;
  if (inner === 'any') return false;
  const [oip, olen = '32'] = outer.split('/');
  const [iip, ilen = '32'] = inner.split('/');
  if (Number(olen) > Number(ilen)) return false;
  const mask = Number(olen) === 0 ? 0 : (0xffffffff << (32 - Number(olen))) >>> 0;
  return ((ipInt(iip) & mask) >>> 0) === ipInt(oip);
}

function covers(port: string, p: number): boolean {
  return port.split(',').some((part) => {
    const [lo, hi = lo] = part.split(':').map(Number);
    return p >= lo && p <= hi;
  });
}

/**
 * Whether some address can still open a TCP connection to `port` under `rules` with a closed default:
 * the first rule that matches decides (ufw and iptables alike).
 */
export function reachable(rules: Rule[], port: number): boolean {
  const denied: string[] = [];
  for (const r of rules) {
    if (r.proto === 'udp' || !covers(r.port, port)) continue;
    if (r.action === 'allow' || r.action === 'limit') {
      if (!denied.some((d) => cidrContains(d, r.from))) return true;
    } else if (r.from === 'any') {
      return false;
    } else {
      denied.push(r.from);
    }
  }
  return false;
}

// ---- ufw: `### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=737368` in /etc/ufw/user.rules

const ACTIONS = ['allow', 'deny', 'reject', 'limit'];
const any4 = (a: string) => (a === '0.0.0.0/0' ? 'any' : a.replace(/\/32$/, ''));

export function parseTuple(text: string): UfwEntry {
  const words = text.trim().split(/\s+/);
  const hex = words.at(-1)?.startsWith('comment=') ? words.pop()!.slice('comment='.length) : '';
  const comment = hex ? Buffer.from(hex, 'hex').toString('utf8') : undefined;
  const [action, proto, dport, dst, sport, src, dir] = words;
  const plain = words.length === 7 && ACTIONS.includes(action) && ['tcp', 'udp', 'any'].includes(proto) && dport !== 'any'
    && dst === '0.0.0.0/0' && sport === 'any' && dir === 'in';
  if (!plain) return { tuple: words.join(' ') };
  return { port: dport, proto: proto as Rule['proto'], from: any4(src), action: action as RuleAction, ...(comment ? { comment } : {}) };
}

/** The words after `ufw` (or `ufw insert N`) that add or update a rule. */
export function ufwRuleArgs(r: Rule): string[] {
  return [r.action, ...(r.proto === 'any' ? [] : ['proto', r.proto]), 'from', r.from, 'to', 'any', 'port', r.port,
    ...(r.comment ? ['comment', r.comment] : [])];
}

/** `ufw delete ...` for any rule ufw lists, also one of a shape this module does not write (out, on, log, app...). */
export function ufwDelete(e: UfwEntry): string[] {
  if (isRule(e)) return ['ufw', 'delete', ...ufwRuleArgs({ ...e, comment: undefined })];
  const w = e.tuple.split(' ');
  // action proto dport dst sport src [dapp sapp] dir; application names have their spaces as %20.
  const [action, proto, dport, dst, sport, src] = w;
  const [dapp, sapp] = w.length === 9 ? w.slice(6, 8).map((x) => x.replaceAll('%20', ' ')) : ['-', '-'];
  const [way, iface] = w.at(-1)!.split('_');
  const end = (app: string, port: string) => (app !== '-' ? ['app', app] : port === 'any' ? [] : ['port', port]);
  return ['ufw', 'delete', ...action.split('_'), ...(iface ? [way, 'on', iface] : way === 'out' ? ['out'] : []),
    ...(proto === 'any' || dapp !== '-' || sapp !== '-' ? [] : ['proto', proto]),
    'from', any4(src), ...end(sapp, sport), 'to', any4(dst), ...end(dapp, dport)];
}

// ---- iptables: our rules carry `-m comment --comment provision` (or "provision: COMMENT")

const OWN = 'provision';
const TARGET: Record<string, string[]> = { allow: ['ACCEPT'], deny: ['DROP'], reject: ['REJECT', '--reject-with', 'icmp-port-unreachable'] };
const tag = (comment?: string) => ['-m', 'comment', '--comment', comment ? `${OWN}: ${comment}` : OWN];

/** The rule spec of an entry in the form `iptables -S` prints it back (so it also serves `iptables -D`). */
export function iptSpec(e: IptEntry, chain: 'INPUT' | 'OUTPUT'): string[] {
  if ('line' in e) return splitLine(e.line);
  if ('base' in e) {
    if (e.base === 'established') return ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag(), '-j', 'ACCEPT'];
    if (e.base === 'loopback') return [chain === 'INPUT' ? '-i' : '-o', 'lo', ...tag(), '-j', 'ACCEPT'];
    return [...tag('default'), '-j', ...TARGET.reject];
  }
  if (e.action === 'limit') throw new Error('firewall: action limit needs the ufw backend (iptables has no per-source rate limit here)');
  if (e.proto === 'any') throw new Error(`firewall: cannot write ${describe(e)} with iptables`);
  const from = e.from === 'any' ? [] : ['-s', e.from.includes('/') ? e.from : `${e.from}/32`];
  return [...from, '-p', e.proto, '-m', e.proto, '--dport', e.port, ...tag(e.comment), '-j', ...TARGET[e.action]];
}

/** Words of an `iptables -S` line; "double quoted" words keep their spaces. */
export function splitLine(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

/** One `-A CHAIN` line (without that prefix) as an entry: ours when its comment says so and it reads back exactly. */
export function parseIptLine(line: string, chain: 'INPUT' | 'OUTPUT'): IptEntry {
  const w = splitLine(line);
  const c = w.indexOf('--comment');
  const comment = c >= 0 ? w[c + 1] : '';
  if (comment !== OWN && !comment.startsWith(`${OWN}: `)) return { line };
  const same = (e: IptEntry) => iptSpec(e, chain).join('\u0000') === w.join('\u0000');
  const bases: Array<'established' | 'loopback' | 'reject'> = ['established', 'loopback', ...(chain === 'INPUT' ? ['reject' as const] : [])];
  for (const base of bases) if (same({ base })) return { base };
  const at = (flag: string) => (w.includes(flag) ? w[w.indexOf(flag) + 1] : undefined);
  const action = Object.keys(TARGET).find((a) => TARGET[a][0] === at('-j')) as RuleAction | undefined;
  const proto = at('-p');
  if (action && (proto === 'tcp' || proto === 'udp') && at('--dport')) {
    const from = at('-s');
    const rule: Rule = { port: at('--dport')!, proto, from: from ? any4(from) : 'any', action };
    if (comment !== OWN) rule.comment = comment.slice(OWN.length + 2);
    if (same(rule)) return rule;
  }
  return { line, own: true };
}

/**
 * The order to remove entries in: what closes first (the final reject, deny and reject rules), then other
 * rules, then what opens (allow and limit rules), and the accepts of established and loopback traffic last.
 * Removing an opening rule while a closing one is still behind it would cut a connection half-way.
 */
export function removalOrder<E extends object>(entries: E[]): E[] {
  const rank = (e: object) => ('base' in e ? (e.base === 'reject' ? 0 : 4)
    : isRule(e) ? (e.action === 'deny' || e.action === 'reject' ? 1 : 3) : 2);
  return entries.map((e, i) => ({ e, i })).sort((x, y) => rank(x.e) - rank(y.e) || x.i - y.i).map((x) => x.e);
}

// ---- placement: where each missing wanted entry goes, so that the wanted ones keep their order

/**
 * Inserts every wanted entry missing from `list` right after the nearest earlier wanted entry present,
 * else before the nearest later one, else at `fallback` ('top' or 'end'). Returns the insertions in order.
 */
export function placeMissing<E extends object>(list: E[], wanted: E[], same: (a: E, b: E) => boolean, fallback: 'top' | 'end'):
  Array<{ entry: E; index: number; append: boolean }> {
  const out: Array<{ entry: E; index: number; append: boolean }> = [];
  const find = (w: E) => list.findIndex((e) => same(e, w));
  wanted.forEach((w, i) => {
    if (find(w) >= 0) return;
    const prev = wanted.slice(0, i).map(find).filter((x) => x >= 0).at(-1);
    const next = wanted.slice(i + 1).map(find).find((x) => x >= 0);
    const index = prev !== undefined ? prev + 1 : next !== undefined ? next : fallback === 'top' ? 0 : list.length;
    out.push({ entry: w, index, append: index === list.length });
    list.splice(index, 0, w);
  });
  return out;
}
