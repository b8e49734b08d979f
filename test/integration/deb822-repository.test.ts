// deb822_repository on a real lab host. The Ansible here (2.14) has no deb822_repository, so ansible-playbook cannot
// be the oracle: Ansible's own module (test/fixtures/ansible-modules/, 2.18) is, run locally by
// test/helpers/deb822-oracle.py on the playbook's deb822_repository tasks in order under a temp root. provision
// applies the playbook on d8-1: the statuses the module reports, the same .sources files (bytes and mode), the
// removed source and keyring gone, apt-get update working with the deb822 sources (through the lab's apt proxy),
// --check on the fresh host equal to the apply, and a second run and its --check changing nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ANSIBLE_SCHEMA } from '../../engine/yaml/schema.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('deb822_repository against Ansible\'s module');
const PB = 'test/fixtures/playbooks/deb822_repository.yml';
const ORACLE = new URL('../helpers/deb822-oracle.py', import.meta.url).pathname;
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'd8', 1, (l, s) => { lab = l; ssh = s; });

type Task = { name: string; tags?: string[]; [module: string]: unknown };
const tasks = (load(readFileSync(PB, 'utf8'), { schema: ANSIBLE_SCHEMA }) as Array<{ tasks: Task[] }>)[0].tasks;
const MODULE_KEYS = ['deb822_repository', 'ansible.builtin.deb822_repository'];
const root = mkdtempSync(join(tmpdir(), 'd8-oracle-'));
for (const d of ['sources.list.d', 'keyrings']) mkdirSync(join(root, 'etc/apt', d), { recursive: true });

/** Ansible's module on the playbook's tasks (skipping those tagged `skip`), in order: each task's status. */
function oracleRun(skip?: string): Array<{ task: string; status: string }> {
  const out: Array<{ task: string; status: string }> = [];
  tasks.forEach((t, i) => {
    if (skip && t.tags?.includes(skip)) return;
    const key = MODULE_KEYS.find((k) => k in t);
    if (!key) {
      // The only other task: copy of a keyring with force: false.
      const p = join(root, 'etc/apt/keyrings/gone.asc');
      const had = spawnSync('test', ['-e', p]).status === 0;
      if (!had) writeFileSync(p, 'not a key\n');
      out.push({ task: t.name, status: had ? 'ok' : 'changed' });
      return;
    }
    const { install_python_debian: _, ...args } = t[key] as Record<string, unknown>;
    writeFileSync(join(root, `args${i}.json`), JSON.stringify({ ANSIBLE_MODULE_ARGS: args }));
    const r = spawnSync('/usr/bin/python3', [ORACLE, root, join(root, `args${i}.json`)], { encoding: 'utf8' });
    const res = JSON.parse(r.stdout) as { changed: boolean; failed?: boolean };
    out.push({ task: t.name, status: res.failed ? 'failed' : res.changed ? 'changed' : 'ok' });
  });
  return out;
}

/** The .sources files Ansible's module left: name -> mode and bytes (base64). */
function oracleFiles(): Record<string, string> {
  const dir = join(root, 'etc/apt/sources.list.d');
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, `${(statSync(join(dir, f)).mode & 0o7777).toString(8)} ${readFileSync(join(dir, f)).toString('base64')}`]));
}

async function hostFiles(s: SshConnection, names: string[]): Promise<Record<string, string>> {
  const out = await sh(s, names.map((f) => `p=/etc/apt/sources.list.d/${f}; if [ -e $p ]; then echo "$(stat -c %a $p) $(base64 -w0 $p)"; else echo absent; fi`).join('; '));
  const lines = out.trimEnd().split('\n');
  return Object.fromEntries(names.map((f, i) => [f, lines[i]]));
}

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['d8-1'].tasks.map((t) => ({ task: t.task, status: t.status }));

test('check, apply, apply again, check: the files and statuses of Ansible\'s module; apt-get update works', async () => {
  const check = await applyJson([PB, '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const first = await applyJson([PB], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  assert.equal(statuses(first), oracleRun());
  const theirs = oracleFiles();
  assert.equal(Object.keys(theirs), ['backports-src.sources', 'debian-backports.sources', 'example.sources']);
  assert.equal(await hostFiles(ssh[0], [...Object.keys(theirs), 'gone.sources']), { ...theirs, 'gone.sources': 'absent' });
  assert.is(await sh(ssh[0], 'test -e /etc/apt/keyrings/gone.asc && echo there || echo gone'), 'gone\n');

  // apt reads the deb822 sources: the backports lists (binary and source) fetched through the lab's proxy.
  await sh(ssh[0], 'apt-get update -q --error-on=any');
  const lists = await sh(ssh[0], 'ls /var/lib/apt/lists');
  assert.match(lists, /deb\.debian\.org_debian_dists_bookworm-backports_main_binary-amd64_Packages/);
  assert.match(lists, /deb\.debian\.org_debian_dists_bookworm-backports_main_source_Sources/);
  assert.not.match(lists, /download\.example\.com/, 'the disabled source is not fetched');

  const second = await applyJson([PB, '--skip-tags', 'first'], lab.inventory);
  assert.is(second.code, 0, second.raw);
  assert.equal(statuses(second), oracleRun('first'));
  assert.ok(statuses(second).every((t) => t.status === 'ok'), JSON.stringify(statuses(second)));
  const again = await applyJson([PB, '--skip-tags', 'first', '--check'], lab.inventory);
  assert.equal(statuses(again), statuses(second));
  assert.equal(await hostFiles(ssh[0], Object.keys(theirs)), oracleFiles());
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
