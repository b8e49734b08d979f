// unarchive (modules/unarchive/), with Ansible's own unarchive module as the oracle: both run on this machine on
// the same archives (tar, tar.gz, tar.xz, zip), each into a directory of its own, in the same sequence of tasks
// (unpack, again, a file edited, a mode changed, mode (octal and symbolic) and include/exclude/list_files given,
// keep_newer). After each: the same changed or failed, the same handler and file list, the same --diff (a zip's
// itemized lines), the same tree (kinds, modes, sizes, contents).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FactDef, PlanContext } from '../../engine/module.ts';
import { validate } from '../../engine/validate.ts';
import { modules } from '../../modules/index.ts';
import { sampleArchives } from '../helpers/artifacts.ts';

const dir = sampleArchives('unarchive-');

const run = (cmd: string, args: string[], o: { stdin?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', cwd: o.cwd, env: { ...process.env, ...o.env }, maxBuffer: 64 * 2 ** 20 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    child.stdin!.on('error', () => {});
    child.stdin!.end(o.stdin ?? '');
  });

type Outcome = { changed?: boolean; failed?: boolean; skipped?: boolean; result: Record<string, unknown>; diff?: string };

/** provision's unarchive: its facts read by sh here, its plan, its steps run, what it registers. */
async function ours(args: Record<string, unknown>): Promise<Outcome> {
  const mod = modules.get('unarchive')!;
  const a = structuredClone(args);
  assert.equal(validate(mod.schema, a), []);
  const ctx = { host: 'here', readLocal: () => { throw new Error('no local files here'); } } as unknown as PlanContext;
  const values = new Map<string, unknown>();
  for (const d of mod.facts(a, ctx)) {
    const r = await run('sh', ['-c', d.script]);
    values.set(d.key, d.parse(r.stdout, r.code));
  }
  const facts = { get: <T>(d: FactDef<T>) => values.get(d.key) as T };
  const skip = mod.skips?.(a, facts);
  if (skip) return { skipped: true, result: { msg: skip } };
  let changes;
  try {
    changes = mod.plan(a, facts, ctx);
  } catch (err) {
    return { failed: true, result: { msg: (err as Error).message } };
  }
  for (const s of changes.flatMap((c) => c.steps)) {
    if (!('exec' in s)) throw new Error('unarchive plans only exec steps');
    const r = await run(s.exec[0], s.exec.slice(1), { stdin: s.stdin, cwd: s.cwd, env: s.env });
    if (r.code !== 0) return { failed: true, result: { msg: r.stderr } };
  }
  const diff = changes.map((c) => c.diff?.prepared).find((d) => d !== undefined);
  return { changed: changes.length > 0, diff, result: changes.length ? mod.returnsChanged!(a, facts, changes, '', ctx) : mod.returns!(a, facts, ctx) };
}

/** Ansible's unarchive module, run here (its action plugin's part, copying src, is remote_src's). */
async function ansible(args: Record<string, unknown>): Promise<Outcome> {
  const file = join(dir, 'args.json');
  const { remote_src: _r, ...rest } = args;
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: { ...rest, remote_src: true, _ansible_diff: true } }));
  const r = await run('/usr/bin/python3', ['-m', 'ansible.modules.unarchive', file]);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  return { changed: out.changed as boolean, failed: out.failed as boolean | undefined, result: out, diff: (out.diff as { prepared?: string } | undefined)?.prepared };
}

/** Every path under a directory: kind, mode, size, and a file's content. */
const listing = (d: string) => execFileSync('sh', ['-c', 'cd "$1" && find . -printf "%P %y %m %s\\n" | sort && find . -type f | sort | xargs -r cat', 'sh', d],
  { encoding: 'utf8' });

async function both(label: string, side: (s: string) => string, args: Record<string, unknown>): Promise<string[]> {
  const at = (s: string) => JSON.parse(JSON.stringify(args).replaceAll('DEST', side(s))) as Record<string, unknown>;
  const [o, t] = [await ours(at('ours')), await ansible(at('theirs'))];
  if (Boolean(o.failed) !== Boolean(t.failed)) return [`${label}: failed ${o.failed} vs ${t.failed} (${o.result.msg} / ${t.result.msg})`];
  if (o.failed) return [];
  const wrong: string[] = [];
  if (o.changed !== t.changed) wrong.push(`${label}: changed ${o.changed} vs ${t.changed}`);
  // --diff: a zip's itemized lines, as Ansible's ZipArchive makes them (a tar's handler makes none).
  if (o.diff !== t.diff) wrong.push(`${label}: diff ${JSON.stringify(o.diff)} vs ${JSON.stringify(t.diff)}`);
  for (const k of ['handler', 'files']) if (JSON.stringify(o.result[k]) !== JSON.stringify(t.result[k])) wrong.push(`${label}: ${k} ${JSON.stringify(o.result[k])} vs ${JSON.stringify(t.result[k])}`);
  if (listing(side('ours')) !== listing(side('theirs'))) wrong.push(`${label}: trees differ\n${listing(side('ours'))}\nvs\n${listing(side('theirs'))}`);
  return wrong;
}

for (const ext of ['tar.gz', 'tar.xz', 'tar', 'zip']) {
  test(`${ext}: a sequence of tasks, as Ansible's unarchive`, async () => {
    const side = (s: string) => join(dir, ext, s);
    for (const s of ['ours', 'theirs']) mkdirSync(side(s), { recursive: true });
    const src = join(dir, `app.${ext}`);
    const both2 = (label: string, args: Record<string, unknown>) => both(label, side, { src, dest: 'DEST', remote_src: true, ...args });
    const wrong: string[] = [];
    const on = (f: (d: string) => void) => ['ours', 'theirs'].forEach((s) => f(side(s)));
    wrong.push(...await both2('fresh', {}));
    wrong.push(...await both2('again', { list_files: true }));
    on((d) => writeFileSync(join(d, 'app', 'conf', 'a.conf'), 'key = 2\n'));
    wrong.push(...await both2('a file edited', {}));
    on((d) => chmodSync(join(d, 'app', 'README'), 0o640));
    wrong.push(...await both2('a mode changed', {}));
    wrong.push(...await both2('mode given', { mode: '0750' }));
    wrong.push(...await both2('mode given, again', { mode: '0750' }));
    on((d) => chmodSync(join(d, 'app', 'README'), 0o600));
    wrong.push(...await both2('a symbolic mode', { mode: 'u=rwX,g=rX,o=' }));
    wrong.push(...await both2('a symbolic mode, again', { mode: 'u=rwX,g=rX,o=' }));
    wrong.push(...await both2('a symbolic mode naming no one', { mode: '+x' }));
    wrong.push(...await both2('include', { include: ['app/README'], list_files: true }));
    wrong.push(...await both2('exclude', { exclude: ['app/bin/run.sh'], list_files: true }));
    on((d) => { writeFileSync(join(d, 'app', 'conf', 'a.conf'), 'mine\n'); utimesSync(join(d, 'app', 'conf', 'a.conf'), new Date(), new Date(Date.now() + 3600e3)); });
    wrong.push(...await both2('keep_newer', { keep_newer: true }));
    wrong.push(...await both2('no such dest', { dest: 'DEST/none' }));
    assert.equal(wrong, []);
  });
}

test.run();
