// firewall: incoming rules and default policies with ufw (read back from ufw's own state), or with iptables
// where ufw is absent; refuses a rule set that would cut the SSH port of the run.
import { debPackagesFact } from '../../facts/debs.ts';
import { type Change, type Effect, type Step, defineModule } from '../../engine/module.ts';
import { type Backend, firewallFact } from './facts.ts';
import {
  type FirewallState, type IptEntry, type IptState, type Policy, type Proto, type Rule, type UfwEntry, type UfwState, describe,
  iptSpec, isRule, normalizeFrom, placeMissing, reachable, removalOrder, sameMatch, sameRule, ufwDelete, ufwRuleArgs,
} from './rules.ts';

export type RuleArg = { port: number | string; proto?: Proto; from?: string; action?: Rule['action']; comment?: string };
export type FirewallArgs = {
  backend?: Backend;
  state?: 'enabled' | 'disabled';
  default_incoming?: Policy;
  default_outgoing?: 'allow' | 'deny';
  rules?: RuleArg[];
  exclusive?: boolean;
};

const PORT = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    port: {
      if: { type: 'integer' },
      then: { type: 'integer', minimum: 1, maximum: 65535 },
      else: { type: 'string', pattern: `^${PORT}(:${PORT})?$`, description: 'a port 1-65535 or a range "A:B"' },
    },
    proto: { enum: ['tcp', 'udp'], default: 'tcp' },
    from: { type: 'string', pattern: `^(any|${OCTET}(\\.${OCTET}){3}(/(3[0-2]|[12]?[0-9]))?)$`, default: 'any', description: 'an IPv4 address or CIDR (like 10.0.0.0/8), or "any"' },
    action: { enum: ['allow', 'deny', 'reject', 'limit'], default: 'allow' },
    comment: { type: 'string', pattern: '^[A-Za-z0-9]([A-Za-z0-9 _.:-]{0,62}[A-Za-z0-9_.:-])?$', description: 'up to 64 letters, digits, spaces and _.:- (starting with a letter or digit)' },
  },
} as const;

/** The wanted rules, normalized; two rules for the same port, protocol and source are an error. */
function wantedRules(a: FirewallArgs): Rule[] {
  const out: Rule[] = [];
  for (const r of a.rules ?? []) {
    const port = String(r.port);
    const [lo, hi] = port.split(':').map(Number);
    if (hi !== undefined && hi <= lo) throw new Error(`firewall: port range "${port}" must go from low to high`);
    const rule: Rule = { port, proto: r.proto ?? 'tcp', from: normalizeFrom(r.from ?? 'any'), action: r.action ?? 'allow', ...(r.comment ? { comment: r.comment } : {}) };
    const twin = out.find((o) => sameMatch(o, rule));
    if (twin) throw new Error(`firewall: two rules for ${rule.port}/${rule.proto} from ${rule.from} ("${describe(twin)}" and "${describe(rule)}")`);
    out.push(rule);
  }
  return out;
}

/** What a fresh install of the backend looks like: check mode may have installed it (apt) before this task. */
function fresh(backend: 'ufw' | 'iptables'): FirewallState {
  return backend === 'ufw'
    ? { backend, active: false, incoming: 'deny', outgoing: 'allow', rules: [] }
    : { backend, input_policy: 'ACCEPT', output_policy: 'ACCEPT', input: [], output: [] };
}

function current(a: FirewallArgs, seen: FirewallState, debs: Record<string, string>): FirewallState {
  const b = a.backend ?? 'auto';
  if (b !== 'iptables' && seen.backend !== 'ufw' && 'ufw' in debs) return fresh('ufw');
  if (b !== 'ufw' && seen.backend === 'none' && 'iptables' in debs) return fresh('iptables');
  if (seen.backend !== 'none') return seen;
  throw new Error(b === 'auto' ? 'firewall: neither ufw nor iptables is installed on this host (install ufw with apt first)' : `firewall: ${b} is not installed on this host`);
}

function refuseCut(rules: UfwEntry[] | IptEntry[], port: number): void {
  if (!reachable((rules as object[]).filter(isRule), port)) {
    throw new Error(`firewall: these rules would cut this run's SSH port ${port}/tcp: add { port: ${port} } (or set default_incoming: allow)`);
  }
}

/** Builds changes one by one, each declaring the state it leaves. */
class Changes<S> {
  readonly list: Change[] = [];
  constructor(public live: S, private fx: (s: S) => Effect[]) {}
  add(summary: string, steps: Step[], edit: (s: S) => void): void {
    edit(this.live);
    this.list.push({ summary, steps, effects: this.fx(structuredClone(this.live)) });
  }
}

function planUfw(a: FirewallArgs, cur: UfwState, sshPort: number, fx: (s: FirewallState) => Effect[]): Change[] {
  const c = new Changes<UfwState>(structuredClone(cur), fx);
  if (a.state === 'disabled') {
    if (cur.active) c.add('disable ufw', [{ exec: ['ufw', 'disable'] }], (s) => { s.active = false; });
    return c.list;
  }
  const wanted = wantedRules(a);
  const rules = c.live.rules;
  // ufw keeps one rule per port, protocol and source: adding it again updates its action and comment in place.
  const match = (e: UfwEntry, w: UfwEntry) => isRule(e) && isRule(w) && sameMatch(e, w);
  const final = structuredClone(rules);
  const placed = placeMissing(final, wanted, match, 'end');
  for (const w of wanted) {
    const i = final.findIndex((e) => match(e, w));
    if (!sameRule(final[i] as Rule, w)) final[i] = w;
  }
  const removed = a.exclusive === false ? [] : final.filter((e) => !wanted.some((w) => match(e, w)));
  const kept = final.filter((e) => !removed.includes(e));
  if (a.default_incoming !== 'allow') refuseCut(kept, sshPort);

  for (const w of wanted) {
    const p = placed.find((x) => x.entry === w);
    const i = rules.findIndex((e) => match(e, w));
    if (p) {
      const insert = p.append ? [] : ['insert', String(p.index + 1)];
      c.add(describe(w), [{ exec: ['ufw', ...insert, ...ufwRuleArgs(w)] }], (s) => { s.rules.splice(p.index, 0, w); });
    } else if (!sameRule(rules[i] as Rule, w)) {
      const was = rules[i] as Rule;
      c.add(`update ${describe(was)} -> ${describe(w)}`, [{ exec: ['ufw', ...ufwRuleArgs(w)] }], (s) => { s.rules[i] = w; });
    }
  }
  for (const way of ['outgoing', 'incoming'] as const) {
    const want = way === 'incoming' ? a.default_incoming ?? 'deny' : a.default_outgoing ?? 'allow';
    if (c.live[way] !== want) c.add(`default ${way}: ${c.live[way]} -> ${want}`, [{ exec: ['ufw', 'default', want, way] }], (s) => { s[way] = want; });
  }
  if (!c.live.active) c.add('enable ufw', [{ exec: ['ufw', '--force', 'enable'] }], (s) => { s.active = true; });
  for (const e of removalOrder(removed)) {
    const label = isRule(e) ? describe(e) : `ufw rule "${e.tuple}"`;
    c.add(`remove ${label}`, [{ exec: ufwDelete(e) }], (s) => { s.rules = s.rules.filter((x) => (isRule(x) && isRule(e) ? !sameMatch(x, e) : JSON.stringify(x) !== JSON.stringify(e))); });
  }
  return c.list;
}

const sameIpt = (a: IptEntry, b: IptEntry) =>
  isRule(a) && isRule(b) ? sameRule(a, b) : 'base' in a && 'base' in b ? a.base === b.base : 'line' in a && 'line' in b && a.line === b.line;

function planIptables(a: FirewallArgs, cur: IptState, sshPort: number, fx: (s: FirewallState) => Effect[]): Change[] {
  if ([...cur.input, ...cur.output].some((e) => 'line' in e && / -j ufw-/.test(` ${e.line}`))) {
    throw new Error("firewall: ufw's rules are loaded in INPUT on this host: use backend ufw (or ufw disable first)");
  }
  const on = a.state !== 'disabled';
  const incoming = a.default_incoming ?? 'deny';
  const outgoing = a.default_outgoing ?? 'allow';
  const rules = on ? wantedRules(a) : [];
  if (rules.some((r) => r.action === 'limit')) throw new Error('firewall: action limit needs the ufw backend');
  // Kept although not wanted: other programs' rules; with exclusive: false, our rules for other ports and sources.
  const keep = (e: IptEntry) => ('line' in e && !e.own)
    || (a.exclusive === false && on && !('base' in e) && !(isRule(e) && rules.some((r) => sameMatch(r, e))));
  const want = {
    input: on ? [{ base: 'established' }, { base: 'loopback' }, ...rules, ...(incoming === 'reject' ? [{ base: 'reject' }] : [])] as IptEntry[] : [],
    output: on && outgoing === 'deny' ? [{ base: 'established' }, { base: 'loopback' }] as IptEntry[] : [],
  };
  const c = new Changes<IptState>(structuredClone(cur), fx);
  const plans = (['input', 'output'] as const).map((chain) => {
    const CHAIN = chain === 'input' ? 'INPUT' : 'OUTPUT';
    const list = structuredClone(cur[chain]);
    const inserts = placeMissing(list, want[chain], sameIpt, 'top');
    const removed = list.filter((e) => !want[chain].some((w) => sameIpt(e, w)) && !keep(e));
    return { chain, CHAIN, inserts, removed, final: list.filter((e) => !removed.includes(e)) } as const;
  });
  const BASE = { established: 'accept established and related', loopback: 'accept loopback', reject: 'reject the rest' };
  const label = (e: IptEntry, chain: string) => (isRule(e) ? describe(e) : 'base' in e ? `${chain}: ${BASE[e.base]}` : `${chain} ${e.line}`);
  if (on && incoming !== 'allow') refuseCut(plans[0].final, sshPort);

  for (const p of plans) {
    for (const { entry, index, append } of p.inserts) {
      const where = append ? ['-A', p.CHAIN] : ['-I', p.CHAIN, String(index + 1)];
      c.add(label(entry, p.CHAIN), [{ exec: ['iptables', ...where, ...iptSpec(entry, p.CHAIN)] }], (s) => { s[p.chain].splice(index, 0, entry); });
    }
  }
  const policies = [['input_policy', 'INPUT', on && incoming !== 'allow'], ['output_policy', 'OUTPUT', on && outgoing === 'deny']] as const;
  for (const [field, CHAIN, closed] of policies) {
    const target = closed ? 'DROP' : 'ACCEPT';
    if (c.live[field] !== target) c.add(`${CHAIN} policy: ${c.live[field]} -> ${target}`, [{ exec: ['iptables', '-P', CHAIN, target] }], (s) => { s[field] = target; });
  }
  for (const p of plans) {
    for (const e of removalOrder(p.removed)) {
      c.add(`remove ${label(e, p.CHAIN)}`, [{ exec: ['iptables', '-D', p.CHAIN, ...iptSpec(e, p.CHAIN)] }], (s) => { s[p.chain] = s[p.chain].filter((x) => !sameIpt(x, e)); });
    }
  }
  return c.list;
}

export default defineModule<FirewallArgs>({
  name: 'firewall',
  description: [
    'Incoming firewall rules (allow, deny, reject or limit a TCP/UDP port or range, from anywhere or an IPv4 address/CIDR)',
    'and default policies, with ufw (state read from ufw itself; rules from "any" cover IPv6 too) or, where ufw is absent,',
    'iptables (rules tagged "provision" in INPUT after ESTABLISHED and loopback accepts; not persisted across reboots).',
    'exclusive (default) removes rules not listed; new rules go in their listed order, existing ones are not reordered.',
    "Refuses rules that would cut the SSH port of the run.",
  ].join(' '),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      backend: { enum: ['auto', 'ufw', 'iptables'], default: 'auto' },
      state: { enum: ['enabled', 'disabled'], default: 'enabled' },
      default_incoming: { enum: ['deny', 'allow', 'reject'], default: 'deny' },
      default_outgoing: { enum: ['allow', 'deny'], default: 'allow' },
      rules: { type: 'array', items: ruleSchema, maxItems: 500 },
      exclusive: { type: 'boolean', default: true },
    },
    if: { required: ['state'], properties: { state: { const: 'disabled' } } },
    else: { required: ['rules'] },
  },
  facts: (a) => [firewallFact(a.backend ?? 'auto'), debPackagesFact()],
  plan(a, facts, ctx) {
    if (a.state === 'disabled' && a.rules) throw new Error('firewall: state: disabled turns filtering off: leave out rules');
    const requested = a.backend ?? 'auto';
    const cur = current(a, facts.get(firewallFact(requested)), facts.get(debPackagesFact()));
    if (cur.backend === 'ufw') {
      // ufw rewrites the iptables chains; with ufw installed, auto reads ufw.
      return planUfw(a, cur, ctx.connection.port, (value) => [{ key: 'firewall:ufw', value }, { key: 'firewall:auto', value },
        { key: 'firewall:iptables', unknown: true }]);
    }
    return planIptables(a, cur as IptState, ctx.connection.port, (value) => [{ key: 'firewall:iptables', value },
      requested === 'auto' ? { key: 'firewall:auto', value } : { key: 'firewall:auto', unknown: true }]);
  },
});
