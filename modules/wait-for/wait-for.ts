// wait_for: wait, on the host, until a port answers (or stops answering, or its connections drain), a path appears
// (or matches a regular expression, or is gone), or only for `timeout` seconds, as Ansible's wait_for. A polling
// read: its fact runs the wait on the host (poll-py.ts, Ansible's own loop in python3) each time the task plans,
// never up front with the other facts (lazy, fresh); it changes nothing, is ok when the condition held and failed with Ansible's
// message when it timed out. Ansible's module does not support check mode: under --check it is skipped, as there;
// under --exact a wait on a port is conditional (no service runs in the view), one on a path runs in the view.
import { createHash } from 'node:crypto';
import { ModuleFailure, defineModule, type FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { POLL_PY } from './poll-py.ts';
import { pyJson } from '../host-python.ts';

export type WaitForArgs = {
  host: string; port?: number; path?: string; state: 'started' | 'stopped' | 'present' | 'absent' | 'drained'; search_regex?: string;
  delay: number; timeout: number; sleep: number; connect_timeout: number; msg?: string; exclude_hosts?: string[]; active_connection_states: string[];
};

/** What Ansible's wait_for returns: failed with msg (and elapsed) when the wait ran out. */
export type WaitResult = {
  failed: boolean; msg?: string; elapsed?: number; state?: string; port?: number | null; path?: string | null; search_regex?: string | null;
  match_groups?: Array<string | null>; match_groupdict?: Record<string, string | null>;
};

const STATES = ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT'];

/** The wait, run on the host as the task's user when the plan reads it. */
export function waitFact(a: WaitForArgs): FactDef<WaitResult> {
  const json = JSON.stringify(a);
  // Readable: what it waits for; the rest (timeouts, regex, msg...) only as a hash of the arguments in one order.
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(a).sort(([x], [y]) => x.localeCompare(y))));
  return {
    key: `wait_for:${a.path ?? `${a.host}:${a.port ?? '-'}`} ${a.state} #${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`,
    ...pyJson<WaitResult>('wait_for', `python3 -c ${shq(POLL_PY)} ${shq(json)}`),
    lazy: true,
    fresh: true,
    readOnly: true,
  };
}

/** The combinations Ansible's wait_for refuses, with its messages. */
function refusal(a: WaitForArgs): string | undefined {
  if (a.port !== undefined && a.path !== undefined) return 'port and path parameter can not both be passed to wait_for';
  if (a.path !== undefined && a.state === 'stopped') return 'state=stopped should only be used for checking a port in the wait_for module';
  if (a.path !== undefined && a.state === 'drained') return 'state=drained should only be used for checking a port in the wait_for module';
  if (a.exclude_hosts !== undefined && a.state !== 'drained') return 'exclude_hosts should only be with state=drained';
  if (a.state === 'drained' && a.port === undefined) return 'state=drained needs a port (Ansible fails on it too)';
  return undefined;
}

const seconds = (d: number, what: string) => ({ type: 'integer', minimum: 0, default: d, description: `${what} (seconds)` });

export default defineModule<WaitForArgs>({
  name: 'wait_for',
  fqcn: ['ansible.builtin.wait_for', 'ansible.legacy.wait_for'],
  description: 'Wait on the host for a port to answer (or stop, or drain), a path to appear (or match a regex, or go), or for a time; changes nothing. Skipped under --check, as Ansible skips it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', default: '127.0.0.1', pattern: '^[^\\s]+$', description: 'a host name or address' },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      path: { type: 'string', minLength: 1, pattern: '^[^\\n]+$', description: 'a path on the host' },
      state: { enum: ['started', 'stopped', 'present', 'absent', 'drained'], default: 'started' },
      search_regex: { type: 'string' },
      delay: seconds(0, 'wait this long before polling'),
      timeout: seconds(300, 'give up after this long'),
      sleep: seconds(1, 'between two checks'),
      connect_timeout: seconds(5, 'for one connection'),
      msg: { type: 'string' },
      exclude_hosts: { type: 'array', items: { type: 'string' } },
      active_connection_states: { type: 'array', items: { enum: STATES }, default: STATES, description: 'TCP states that count as active (drained)' },
    },
  },
  checkMode: 'skip',
  // In the exact check's view no service runs: a port one of the tasks before would open never opens there.
  unknownInView: (a) => (a.port !== undefined ? { why: `it waits on port ${a.port}, and in the view no service runs`, diverges: false } : undefined),
  facts: (a) => (refusal(a) ? [] : [waitFact(a)]),
  plan(a, facts) {
    const refused = refusal(a);
    if (refused) throw new Error(refused);
    const r = facts.get(waitFact(a));
    if (r.failed) throw new ModuleFailure(r.msg ?? 'wait_for failed', r.elapsed === undefined ? {} : { elapsed: r.elapsed });
    return [];
  },
  returns(a, facts) {
    const { failed: _f, msg: _m, ...result } = facts.get(waitFact(a));
    return result;
  },
});
