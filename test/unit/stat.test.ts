// stat (modules/stat.ts, facts/files.ts statFact), with Ansible's own stat module as the oracle: run on this
// machine (/usr/bin/python3 -m ansible.modules.stat) on the same paths (a file with setuid, a directory, a link
// followed and not, a dangling link, a fifo, /dev/null, nothing), each key Ansible returns and provision reads
// must be equal (times to the microsecond: one is a decimal, the other Python's float). And the module's
// registered result, and check mode's rule: a path a simulated change touched cannot be stat'ed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileFact, statFact } from '../../facts/files.ts';
import { FactCache } from '../../engine/plan.ts';
import { modules } from '../../modules/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'stat-'));
writeFileSync(join(dir, 'file'), 'some text\n');
chmodSync(join(dir, 'file'), 0o4750);
mkdirSync(join(dir, 'dir'));
symlinkSync('file', join(dir, 'link'));
symlinkSync('nowhere', join(dir, 'dangling'));
execFileSync('mkfifo', [join(dir, 'fifo')]);
// Read once now: with relatime, the first read of a new file moves its atime (the checksum is a read; so is a link's
// readlink, which each stat of a link does after its lstat).
execFileSync('cat', [join(dir, 'file')]);
execFileSync('readlink', [join(dir, 'link'), join(dir, 'dangling')]); // a link's first readlink moves its atime
const PATHS = ['file', 'dir', 'link', 'dangling', 'fifo', 'absent'].map((p) => join(dir, p)).concat(['/dev/null']);

function ours(path: string, follow: boolean, checksum: 'sha1' | 'sha256' | false): Record<string, unknown> {
  const def = statFact(path, { follow, checksum });
  const r = spawnSync('sh', ['-c', def.script], { encoding: 'utf8' });
  return def.parse(r.stdout, r.status ?? -1);
}

function ansible(path: string, follow: boolean, checksum: 'sha1' | 'sha256' | false): Record<string, unknown> {
  const args = { path, follow, get_checksum: checksum !== false, ...(checksum ? { checksum_algorithm: checksum } : {}), get_mime: false, get_attributes: false };
  const file = join(dir, 'args.json');
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: args }));
  const out = execFileSync('/usr/bin/python3', ['-m', 'ansible.modules.stat', file], { encoding: 'utf8' });
  return JSON.parse(out).stat as Record<string, unknown>;
}

const times = new Set(['atime', 'mtime', 'ctime']);
const same = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.fromEntries(Object.keys(b).map((k) =>
  [k, times.has(k) ? Math.round(Number(b[k]) * 1e6) === Math.round(Number(a[k]) * 1e6) : JSON.stringify(a[k]) === JSON.stringify(b[k])]));

test('every key of Ansible\'s stat, on every kind of path, followed or not, with or without a checksum', () => {
  const wrong: string[] = [];
  for (const path of PATHS) {
    for (const follow of [false, true]) {
      for (const checksum of ['sha1', 'sha256', false] as const) {
        const [a, b] = [ours(path, follow, checksum), ansible(path, follow, checksum)];
        for (const [k, ok] of Object.entries(same(a, b))) if (!ok) wrong.push(`${path} follow=${follow} ${checksum}: ${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`);
        for (const k of Object.keys(a)) if (!(k in b)) wrong.push(`${path} follow=${follow} ${checksum}: ${k} is provision's only`);
      }
    }
  }
  assert.equal(wrong, []);
});

test('an error but nothing there fails with its strerror, as Ansible\'s stat: a file where a directory is, a directory the user may not enter', () => {
  // Run as nobody: /root is 0700; the arguments in a file nobody may read.
  const args = mkdtempSync(join(tmpdir(), 'stat-args-'));
  chmodSync(args, 0o755);
  for (const [as, path, msg] of [[[], '/etc/passwd/x', 'Not a directory'], [['runuser', '-u', 'nobody', '--'], '/root/nothing-here', 'Permission denied']] as const) {
    const def = statFact(path, { follow: false, checksum: 'sha1' });
    const run = (argv: readonly string[]) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    const mine = def.parse(run([...as, 'sh', '-c', def.script]).stdout, 0);
    const file = join(args, 'args.json');
    writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: { path, get_mime: false, get_attributes: false } }));
    chmodSync(file, 0o644);
    const theirs = JSON.parse(run([...as, '/usr/bin/python3', '-m', 'ansible.modules.stat', file]).stdout) as { failed?: boolean; msg?: string };
    assert.equal([theirs.failed, theirs.msg], [true, msg], path);
    assert.is(mine.error, msg, path);
    assert.throws(() => modules.get('stat')!.plan({ path } as never, { get: () => mine } as never, {} as never), (e: Error) => e.message === msg);
  }
  execFileSync('rm', ['-rf', args]);
});

test('the module: registers stat as Ansible does, plans nothing; mime and attributes only when off', () => {
  const stat = modules.get('stat')!;
  const args = { path: join(dir, 'file') };
  const [def] = stat.facts(args as never, {} as never);
  const value = ours(join(dir, 'file'), false, 'sha1');
  assert.equal(stat.plan(args as never, { get: () => value } as never, {} as never), []);
  assert.equal(stat.returns!(args as never, { get: (d: { key: string }) => (d.key === def.key ? value : undefined) } as never), { stat: value });
  assert.is(def.key, `stat:nofollow:sha1:${join(dir, 'file')}`);
  assert.equal(def.dependsOn, [fileFact(join(dir, 'file')).key]);
});

test('check mode: a simulated change to the path (set or unknown) makes its stat unknown; another path\'s does not', () => {
  const def = statFact('/etc/app.conf', { follow: false, checksum: 'sha1' });
  const cache = new FactCache();
  assert.is(cache.isUnknownFact(def), false);
  cache.applyEffects([{ key: fileFact('/etc/other').key, value: { state: 'file' } }], true);
  assert.is(cache.isUnknownFact(def), false);
  cache.applyEffects([{ key: fileFact('/etc/app.conf').key, value: { state: 'file', mode: '0644' } }], true);
  assert.is(cache.isUnknownFact(def), true, 'its mtime and checksum are not what the prediction says');
  const applied = new FactCache();
  applied.applyEffects([{ key: fileFact('/etc/app.conf').key, value: { state: 'file' } }], false);
  assert.is(applied.isUnknownFact(def), false, 'apply reads it again');
});

test.run();
