// deb822_repository with Ansible's own module as the oracle (test/fixtures/ansible-modules/deb822_repository.py,
// ansible-core 2.18, run by test/helpers/deb822-oracle.py with its apt directories under a temp root): for each
// argument set and each starting state (no file, the file as written, another mode, other content; absent with
// the files there), provision's plan, from facts its own fact scripts read under that root, must give the bytes,
// mode and changed status the oracle leaves. Also: the URL form of signed_by is refused where Ansible fetches.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FactDef, PlanContext } from '../../engine/module.ts';
import { planTask } from '../../engine/plan.ts';
import { validate } from '../../engine/validate.ts';
import { fileContentFact, fileFact, statFact } from '../../facts/files.ts';
import mod from '../../modules/deb822-repository/deb822-repository.ts';
import { type Deb822Args, urlScheme } from '../../modules/deb822-repository/render.ts';
import { umaskFact } from '../../modules/file-mode.ts';

const ORACLE = new URL('../helpers/deb822-oracle.py', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'deb822-'));
const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEYCQjIxYJKwYBBAHaRw8BAQdAD/P5Nvvnvk66SxBBHDbhRml9ORg1WV5CvzKY\n  CuMfoIS0BmFiY2RlZoiQ   \n\n=IE0r\n-----END PGP PUBLIC KEY BLOCK-----\n';
const CASES: Array<[string, Record<string, unknown>]> = [
  ['the usual', { name: 'debian', uris: 'http://deb.debian.org/debian', suites: ['bookworm-backports'], components: ['main'] }],
  ['every field', {
    name: 'Everything', types: ['deb', 'deb-src'], uris: ['http://a.example/debian', 'http://b.example/debian'], suites: ['stable', 'testing'],
    components: ['main', 'contrib', 'non-free'], architectures: ['amd64', 'arm64'], enabled: true, allow_insecure: false, allow_weak: false,
    allow_downgrade_to_insecure: false, by_hash: true, check_date: false, check_valid_until: true, date_max_future: 3600,
    inrelease_path: 'InRelease', languages: ['en', 'de'], pdiffs: false, targets: ['Packages'], trusted: false, signed_by: '/usr/share/keyrings/debian-archive-keyring.gpg',
  }],
  ['comma-separated strings', { name: 'commas', types: 'deb,deb-src', uris: 'http://x.example/debian', suites: 'a,b', components: 'main,contrib', architectures: 'amd64' }],
  ['an armored key, folded', { name: 'with key', uris: 'https://x.example', suites: ['stable'], components: ['main'], signed_by: KEY }],
  ['a key with CRLF and indentation', { name: 'crlf', uris: 'https://x.example', suites: ['stable'], components: ['main'], signed_by: KEY.replaceAll('\n', '\r\n').replace('mDME', '\t mDME') }],
  ['fingerprints', { name: 'fpr', uris: 'https://x.example', suites: ['stable'], components: ['main'], signed_by: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }],
  ['a name Ansible normalises', { name: 'My_Repo  Name.v2 (test)', uris: 'http://x.example', suites: ['./'] }],
  ['empty lists, disabled', { name: 'empty', uris: [], suites: ['x/'], components: [], languages: [], enabled: false }],
  ['mode 0600 as a string', { name: 'private', uris: 'http://x.example', suites: ['s'], components: ['c'], mode: '0600' }],
  ['mode as YAML 1.1 octal (an integer)', { name: 'intmode', uris: 'http://x.example', suites: ['s'], components: ['c'], mode: 0o640 }],
  ['a symbolic mode', { name: 'symbolic', uris: 'http://x.example', suites: ['s'], components: ['c'], mode: 'u=rw,g=r,o=' }],
  ['a newline in a plain field', { name: 'odd', uris: 'http://x.example', suites: ['s'], inrelease_path: 'a\n\n  b  \n', date_max_future: -5 }],
  ['install_python_debian (no effect)', { name: 'ipd', uris: 'http://x.example', suites: ['s'], components: ['c'], install_python_debian: true }],
];
const STALE = 'Types: deb\nURIs: http://old.example\n';

/** The fact as provision's own script reads it under `root` (the same kind of fact, its path moved there). */
function readFact(def: FactDef, root: string): unknown {
  const m = /^(file|content|stat:follow:none|deb822-link-target):(.*)$/.exec(def.key);
  const local = !m ? umaskFact : m[1] === 'file' ? fileFact(root + m[2]) : m[1] === 'content' ? fileContentFact(root + m[2])
    : m[1] === 'deb822-link-target' ? { ...def, script: def.script.replaceAll(`'${m[2]}'`, `'${root}${m[2]}'`) } : statFact(root + m[2], { follow: true, checksum: false });
  if (m?.[1] === 'content' && !m[2].endsWith('.sources')) throw new Error(`unexpected content fact ${def.key}`);
  const r = spawnSync('sh', ['-c', local.script], { encoding: 'utf8' });
  return local.parse(r.stdout, r.status ?? 1);
}

/** The arguments as the engine hands them to the module: checked, defaults filled in. */
function withDefaults(args: Record<string, unknown>): Deb822Args {
  const a = structuredClone(args) as Deb822Args;
  assert.equal(validate(mod.schema, a), []);
  return a;
}
const NO_FACTS = { get: () => { throw new Error('returns reads no fact'); } };

function plan(args: Record<string, unknown>, root: string) {
  const a = withDefaults(args);
  const ctx = { host: 'unit', connection: { user: 'root', port: 22 }, runAs: 'root' } as PlanContext;
  const defs = new Map(mod.facts(a, ctx).map((d) => [d.key, d]));
  const known = new Map([...defs].map(([k, d]) => [k, readFact(d, root)]));
  return planTask(mod, a, ctx, { has: (k) => known.has(k), get: (k) => known.get(k) });
}

let n = 0;
type Result = { changed: boolean; dest: string; repo?: string | null; key_filename?: string | null; failed?: boolean; msg?: string };
function oracle(args: Record<string, unknown>, root: string): Result {
  const { install_python_debian: _, ...theirs } = args;
  const file = join(work, `args${n++}.json`);
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: theirs }));
  const r = spawnSync('/usr/bin/python3', [ORACLE, root, file], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

const modeOf = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

test('present: the bytes, mode and changed status of Ansible\'s module, from every starting state', () => {
  const wrong: string[] = [];
  CASES.forEach(([name, args], i) => {
    for (const start of ['no file', 'as written', 'mode 0604', 'other content'] as const) {
      const root = join(work, `p${i}-${start.replaceAll(' ', '-')}`);
      mkdirSync(join(root, 'etc/apt/sources.list.d'), { recursive: true });
      if (start !== 'no file') {
        const first = oracle(args, root);
        if (start === 'mode 0604') chmodSync(first.dest, 0o604);
        if (start === 'other content') writeFileSync(first.dest, STALE);
      }
      const changes = plan(args, root);
      const theirs = oracle(args, root);
      const write = changes.flatMap((c) => c.steps).find((s) => 'write' in s);
      const effect = changes.flatMap((c) => c.effects).find((e) => 'key' in e && e.key.startsWith('file:') && 'value' in e) as { value: { mode: string } } | undefined;
      const ours = {
        changed: changes.length > 0,
        dest: theirs.dest.slice(root.length),
        bytes: write && 'write' in write ? String(write.write.content) : existsSync(theirs.dest) ? readFileSync(theirs.dest, 'utf8') : null,
        mode: effect?.value.mode ?? modeOf(theirs.dest),
        // What register records (the keyring path is one on this machine as on a host).
        returns: mod.returns!(withDefaults(args), NO_FACTS),
      };
      const got = { changed: theirs.changed, dest: theirs.dest.slice(root.length), bytes: readFileSync(theirs.dest, 'utf8'), mode: modeOf(theirs.dest),
        returns: { repo: theirs.repo, dest: theirs.dest.slice(root.length), key_filename: theirs.key_filename } };
      const planned = changes.flatMap((c) => c.steps).find((s) => 'write' in s);
      if (planned && 'write' in planned && planned.write.path !== got.dest) wrong.push(`${name} (${start}): writes ${planned.write.path}, Ansible ${got.dest}`);
      if (JSON.stringify(ours) !== JSON.stringify(got)) wrong.push(`${name} (${start}):\n    provision: ${JSON.stringify(ours)}\n    ansible:   ${JSON.stringify(got)}`);
    }
  });
  assert.equal(wrong, [], wrong.join('\n'));
});

test('absent: the files Ansible removes (the .sources and both keyrings), changed only when one was there', () => {
  const wrong: string[] = [];
  for (const there of [[], ['sources.list.d/my-repo.sources'], ['sources.list.d/my-repo.sources', 'keyrings/my-repo.asc', 'keyrings/my-repo.gpg'], ['keyrings/my-repo.gpg']]) {
    const root = join(work, `a${n++}`);
    for (const d of ['sources.list.d', 'keyrings']) mkdirSync(join(root, 'etc/apt', d), { recursive: true });
    for (const f of there) writeFileSync(join(root, 'etc/apt', f), 'x\n');
    const args = { name: 'My Repo', state: 'absent' };
    const removes = plan(args, root).flatMap((c) => c.steps).map((s) => ('exec' in s ? s.exec.at(-1)! : '?')).sort();
    const theirs = oracle(args, root);
    const gone = there.map((f) => `/etc/apt/${f}`).filter((f) => !existsSync(root + f)).sort();
    if (JSON.stringify(removes) !== JSON.stringify(gone) || theirs.changed !== removes.length > 0) wrong.push(`${there}: provision removes ${removes}, Ansible ${gone} (changed ${theirs.changed})`);
    const returned = { repo: theirs.repo, dest: theirs.dest.slice(root.length), key_filename: theirs.key_filename?.slice(root.length) };
    assert.equal(mod.returns!(withDefaults(args), NO_FACTS), returned);
  }
  assert.equal(wrong, [], wrong.join('\n'));
});

test('signed_by as a URL: Ansible fetches it, provision refuses it by name', () => {
  const args = { name: 'url', uris: 'http://x.example', suites: ['s'], signed_by: 'file:///nonexistent/key.asc' };
  const root = join(work, 'url');
  mkdirSync(join(root, 'etc/apt/sources.list.d'), { recursive: true });
  const theirs = oracle(args, root);
  assert.ok(theirs.failed);
  assert.match(theirs.msg ?? '', 'Could not fetch signed_by key');
  assert.throws(() => plan(args, root), /signed_by "file:\/\/\/nonexistent\/key.asc" is not supported/);
});

test('what reads as a URL: the scheme Python\'s urlparse finds', () => {
  const values = ['https://x/k.gpg', ' HTTP://x', '/etc/apt/keyrings/k.gpg', 'ABCD1234', KEY, 'c:\\x', '1abc:x', 'a b:c', 'x+y.z-w:q', '\t\nhttp://x', 'ht\ttp://x', ':x', 'mykey:'];
  const py = execFileSync('/usr/bin/python3', ['-c', 'import json,sys; from urllib.parse import urlparse; print(json.dumps([urlparse(v).scheme for v in json.load(sys.stdin)]))'],
    { input: JSON.stringify(values), encoding: 'utf8' });
  assert.equal(values.map((v) => urlScheme(v) ?? ''), JSON.parse(py));
});

test('a name with nothing Ansible keeps is refused', () => {
  assert.throws(() => plan({ name: '!!!', uris: 'http://x' }, work), /name "!!!" is not supported/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
