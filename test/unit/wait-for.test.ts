// wait_for (modules/wait-for/), with Ansible's own wait_for module as the oracle, both run on this machine: a
// file that appears with a match (its groups and named groups), one that never does (the timeout's message), a
// path absent, a port that answers, with a banner matched, one that never answers, and a port drained. The same
// result (failed, msg, state, port, path, match_groups, match_groupdict; elapsed in whole seconds) from provision's program on
// the host (poll-py.ts through the fact's script) as from Ansible's module; and skipped in check mode, as there
// (in the exact check's view, a wait on a port is conditional).
import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../engine/validate.ts';
import { modules } from '../../modules/index.ts';
import { waitFact, type WaitForArgs } from '../../modules/wait-for/wait-for.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wait-for-'));
const mod = modules.get('wait_for')!;
let n = 0;

async function ours(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const a = structuredClone(args);
  assert.equal(validate(mod.schema, a), []);
  const def = waitFact(a as WaitForArgs);
  const r = await run('sh', ['-c', def.script]);
  return def.parse(r.stdout, 0) as Record<string, unknown>;
}

async function ansible(args: Record<string, unknown>, check = false): Promise<Record<string, unknown>> {
  const file = join(dir, `args-${n++}.json`);
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: { ...args, _ansible_check_mode: check } }));
  const r = await run('/usr/bin/python3', ['-m', 'ansible.modules.wait_for', file]).catch((e: { stdout: string }) => e);
  const { invocation: _i, changed: _c, ...result } = JSON.parse(r.stdout) as Record<string, unknown>;
  return { failed: false, ...result };
}

/**
 * The same result but for `elapsed`, which is how long each waited on a busy machine (not compared: no timing
 * assertions); it must be whole seconds, as Ansible's.
 */
async function same(args: Record<string, unknown>, also: () => void = () => {}): Promise<Record<string, unknown>> {
  const [mine, theirs] = await Promise.all([ours(args), ansible(args)]);
  also();
  for (const r of [mine, theirs]) assert.ok(Number.isInteger(r.elapsed) && (r.elapsed as number) >= 0, `elapsed: ${r.elapsed}`);
  const { elapsed: _m, ...a } = mine;
  const { elapsed: _t, ...b } = theirs;
  assert.equal(a, b, JSON.stringify(args));
  return mine;
}

const listen = (banner?: string) => new Promise<Server>((resolve) => {
  const s = createServer((c) => { if (banner) c.write(banner); c.on('error', () => {}); setTimeout(() => c.destroy(), 3000); });
  s.listen(0, '127.0.0.1', () => resolve(s));
});
const portOf = (s: Server) => (s.address() as { port: number }).port;

test('a path: appears and matches (groups and named groups), never matches, absent', async () => {
  const log = join(dir, 'app.log');
  writeFileSync(log, 'starting\n');
  // Written whole (a rename): Ansible's mmap of a file being rewritten, empty for an instant, would crash it.
  setTimeout(() => { writeFileSync(`${log}.new`, 'starting\nready on 8080 as web\n'); renameSync(`${log}.new`, log); }, 1200);
  const r = await same({ path: log, search_regex: '^ready on (?P<port>\\d+) as (\\w+)$', timeout: 10 });
  assert.equal(r.match_groups, ['8080', 'web']);
  assert.equal(r.match_groupdict, { port: '8080' });
  const t = await same({ path: log, search_regex: 'never', timeout: 1 });
  assert.is(t.msg, `Timeout when waiting for search string never in ${log}`);
  await same({ path: join(dir, 'nothing'), timeout: 1, msg: 'no such file, as said' });
  await same({ path: join(dir, 'nothing'), state: 'absent' });
  await same({ path: dir, state: 'present' });
});

test('a port: answers, answers with a banner, never answers, stops, drains', async () => {
  const plain = await listen();
  const banner = await listen('SSH-2.0-lab\r\n');
  const closed = portOf(plain);
  try {
    await same({ port: portOf(plain), timeout: 5 });
    const b = await same({ port: portOf(banner), search_regex: 'SSH-(\\d)', timeout: 5 });
    await same({ port: portOf(plain), state: 'stopped', timeout: 1 });
    await same({ port: portOf(plain), state: 'drained', timeout: 2, exclude_hosts: ['10.9.9.9'] });
  } finally {
    plain.close();
    banner.close();
  }
  await same({ port: closed, timeout: 1, connect_timeout: 1 });
  await same({ port: closed, state: 'stopped' });
  await same({ timeout: 1 });
});

test('Ansible skips wait_for in check mode; so does provision (checkMode: skip)', async () => {
  const r = await ansible({ path: '/nonexistent', timeout: 1 }, true);
  assert.is(r.skipped, true);
  assert.is(mod.checkMode, 'skip');
});

test('in the exact check\'s view a port is not waited on (no service runs there); a path is', () => {
  const args = (a: Record<string, unknown>) => { const x = structuredClone(a); assert.equal(validate(mod.schema, x), []); return x; };
  const blind = (a: Record<string, unknown>) => mod.unknownInView?.(args(a), { get: () => { throw new Error('reads no fact'); } });
  assert.equal(blind({ port: 8802, host: '127.0.0.1', timeout: 30 }), { why: 'it waits on port 8802, and in the view no service runs', diverges: false });
  assert.equal(blind({ port: 22, state: 'stopped' }), { why: 'it waits on port 22, and in the view no service runs', diverges: false });
  assert.is(blind({ path: '/srv/al/app.conf', search_regex: 'port' }), undefined);
  assert.is(blind({ timeout: 1 }), undefined);
});

test.run();
