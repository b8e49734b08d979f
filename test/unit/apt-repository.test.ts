// apt_repository's plan (modules/apt-repository/) with Ansible's own apt_repository as the oracle: each case's
// lists are written to a temp directory, Ansible's SourcesList (its module, imported by /usr/bin/python3 with a
// stand-in apt_pkg that points Dir::Etc at that directory: python3-apt is not needed to read and write lists)
// adds or removes the repo and saves; provision's plan, applied to the same files, must leave the same files,
// byte for byte, and call the same cases unchanged or invalid.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts } from '../../engine/module.ts';
import aptRepository, { type AptRepositoryArgs, type SourceFiles } from '../../modules/apt-repository/apt-repository.ts';

const LAB = 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\n';
const BPO = 'deb http://deb.debian.org/debian bookworm-backports main';

type Case = { name: string; files: Record<string, string>; args: Omit<AptRepositoryArgs, 'update_cache'> };
const CASES: Case[] = [
  { name: 'a new repository', files: { 'sources.list': LAB }, args: { repo: BPO } },
  { name: 'one already there', files: { 'sources.list': `${LAB}${BPO}\n` }, args: { repo: BPO } },
  { name: 'there with other spacing', files: { 'sources.list': LAB, 'sources.list.d/x.list': 'deb  http://deb.debian.org/debian\tbookworm-backports main\n' }, args: { repo: BPO } },
  { name: 'disabled in sources.list: enabled there', files: { 'sources.list': `${LAB}#${BPO}\n# a comment\n\n##x\n#\n` }, args: { repo: BPO } },
  { name: 'a file name given', files: { 'sources.list': LAB }, args: { repo: `deb-src ${BPO.slice(4)}`, filename: 'backports' } },
  { name: 'options, user and password', files: {}, args: { repo: 'deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://u:p@repo.example.com:8443/apt/ stable main' } },
  { name: 'a file: repository', files: { 'sources.list': LAB }, args: { repo: 'deb [trusted=yes] file:/srv/repo ./' } },
  { name: 'a file:/// repository', files: {}, args: { repo: 'deb file:///srv/my-repo ./' } },
  { name: 'a trailing comment in repo', files: {}, args: { repo: `${BPO} # backports` } },
  { name: 'non-ASCII in the URL', files: {}, args: { repo: 'deb http://exämple.org/debian stable main' } },
  { name: 'untidy lists rewritten when something changes', files: {
    'sources.list': ` deb   http://deb.debian.org/debian bookworm main  # the main one \r\n#deb-src x y\n\t\n# note # with hash\nnot a source line\n`,
    'sources.list.d/empty.list': '', 'sources.list.d/keep.list': 'deb http://a b c', 'sources.list.d/other.conf': 'deb http://q r s\n' },
  args: { repo: BPO } },
  { name: 'untidy lists left alone when nothing changes', files: { 'sources.list': `deb   http://deb.debian.org/debian bookworm main\n${BPO}  # x\n`, 'sources.list.d/empty.list': '' }, args: { repo: BPO } },
  { name: 'removed: the last line of its file', files: { 'sources.list': LAB, 'sources.list.d/deb_debian_org_debian.list': `${BPO}\n` }, args: { repo: BPO, state: 'absent' } },
  { name: 'removed from two files, a disabled copy kept', files: { 'sources.list': `${LAB}${BPO}\n# ${BPO}\n`, 'sources.list.d/b.list': `deb http://x y z\n${BPO}\n` }, args: { repo: BPO, state: 'absent' } },
  { name: 'removing what is not there', files: { 'sources.list': LAB }, args: { repo: BPO, state: 'absent' } },
  { name: 'twice in one file: Ansible\'s removal loop', files: { 'sources.list': `${BPO}\n${BPO}\ndeb http://x y z\n` }, args: { repo: BPO, state: 'absent' } },
  { name: 'not a source line', files: {}, args: { repo: 'http://deb.debian.org/debian bookworm main' } },
  { name: 'a disabled line', files: {}, args: { repo: `# ${BPO}` } },
  { name: 'a disabled line, removing', files: {}, args: { repo: `#${BPO}`, state: 'absent' } },
];

const HARNESS = String.raw`
import json, os, sys, types
stub = types.ModuleType('apt_pkg')
root = sys.argv[2]
class Config:
    def find_file(self, spec): return os.path.join(root, 'sources.list')
    def find_dir(self, spec): return os.path.join(root, 'sources.list.d') + '/'
stub.config = Config()
import ansible.modules.apt_repository as ar
ar.apt_pkg = stub
class Module:
    def __init__(self, params): self.params = params
    def log(self, msg): pass
    def fail_json(self, *a, **k): raise RuntimeError(k.get('msg') or a)
    def atomic_move(self, src, dest): os.replace(src, dest)
    def set_mode_if_different(self, *a): return False
c = json.load(open(sys.argv[1]))
m = Module({'filename': c.get('filename'), 'mode': None})
out = {}
try:
    sl = ar.SourcesList(m)
    before = sl.dump()
    if c.get('state', 'present') == 'present': sl.add_source(c['repo'])
    else: sl.remove_source(c['repo'])
    out['changed'] = before != sl.dump()
    if out['changed']: sl.save()
except ar.InvalidSource as e:
    out['error'] = 'Invalid repository string: %s' % e
except Exception as e:
    out['error'] = '%s: %s' % (type(e).__name__, e)
json.dump(out, sys.stdout)
`;

/** The files of a directory tree: relative path -> text. */
function treeOf(dir: string): Record<string, string> {
  const out = execFileSync('/usr/bin/python3', ['-c', `import os,sys,json
r=sys.argv[1]; d={}
for b,_,fs in os.walk(r):
  for f in fs: p=os.path.join(b,f); d[os.path.relpath(p,r)]=open(p,newline='').read()
print(json.dumps(d))`, dir], { encoding: 'utf8' });
  return JSON.parse(out);
}

test('each case leaves the files Ansible\'s apt_repository leaves', () => {
  const wrong: string[] = [];
  CASES.forEach((c, i) => {
    const base = mkdtempSync(join(tmpdir(), `apt-repo-${i}-`));
    const dirs = { ansible: join(base, 'a'), ours: join(base, 'o') };
    for (const d of Object.values(dirs)) {
      execFileSync('mkdir', ['-p', join(d, 'sources.list.d')]);
      for (const [f, text] of Object.entries(c.files)) writeFileSync(join(d, f), text);
    }
    writeFileSync(join(base, 'case.json'), JSON.stringify(c.args));
    const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', HARNESS, join(base, 'case.json'), dirs.ansible], { encoding: 'utf8' })) as { changed?: boolean; error?: string };

    // Ours: the plan against the files as the fact reads them (sources.list first, then sources.list.d/*.list).
    const start = treeOf(dirs.ours);
    const list = `${dirs.ours}/sources.list`;
    const parts = `${dirs.ours}/sources.list.d/`;
    const names = Object.keys(start).filter((f) => f.startsWith('sources.list.d/') && f.endsWith('.list')).sort();
    const lists: SourceFiles = { list, parts, files: [...('sources.list' in start ? ['sources.list'] : []), ...names].map((f) => ({ path: `${dirs.ours}/${f}`, text: start[f] })) };
    const facts: Facts = { get: <T>(def: { key: string }) => { if (def.key !== 'apt-source-lists') throw new Error(`unexpected fact ${def.key}`); return lists as T; } };
    let ours: { changed?: boolean; error?: string };
    try {
      const changes = aptRepository.plan({ ...c.args, update_cache: false }, facts, undefined as never);
      for (const step of changes.flatMap((ch) => ch.steps)) {
        if ('write' in step) writeFileSync(step.write.path, step.write.content);
        else if ('exec' in step && step.exec[0] === 'rm') execFileSync('rm', step.exec.slice(1));
        else throw new Error(`unexpected step ${JSON.stringify(step)}`);
      }
      ours = { changed: changes.length > 0 };
    } catch (err) {
      ours = { error: (err as Error).message };
    }
    if (theirs.error || ours.error) {
      if (!ours.error || !theirs.error || !ours.error.startsWith(theirs.error)) wrong.push(`${c.name}: error\n    provision: ${ours.error}\n    ansible:   ${theirs.error}`);
      return;
    }
    if (ours.changed !== theirs.changed) wrong.push(`${c.name}: changed ${ours.changed}, Ansible ${theirs.changed}`);
    const [a, o] = [treeOf(dirs.ansible), treeOf(dirs.ours)];
    if (JSON.stringify(a, Object.keys(a).sort()) !== JSON.stringify(o, Object.keys(o).sort())) {
      wrong.push(`${c.name}:\n    provision: ${JSON.stringify(o)}\n    ansible:   ${JSON.stringify(a)}`);
    }
  });
  assert.equal(wrong, [], wrong.join('\n'));
});

test('a PPA is refused by name', () => {
  const facts: Facts = { get: <T>() => ({ list: '/etc/apt/sources.list', parts: '/etc/apt/sources.list.d/', files: [] }) as T };
  assert.throws(() => aptRepository.plan({ repo: 'ppa:deadsnakes/ppa' }, facts, undefined as never), /the PPA form \(ppa:\.\.\.\) is not supported/);
});

test.run();
