// `provision validate` and `provision schema` as a user runs them: every problem at once as FILE:LINE:COL lines
// and exit 4, or one "valid" line and exit 0; the JSON Schema, compiled with ajv. Connects to nothing.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';
import { modules } from '../../modules/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const INV = 'test/fixtures/inventory/precedence';
const P = 'test/fixtures/playbooks/invalid';

/** stderr as lines; the first carries the CLI's "provision: " prefix, the others are bare. */
function problemLines(stderr: string): string[] {
  const lines = stderr.trimEnd().split('\n');
  assert.ok(lines[0].startsWith('provision: '), lines[0]);
  return [lines[0].slice('provision: '.length), ...lines.slice(1)];
}

test('one playbook with many problems: every one, FILE:LINE:COL: message, exit 4', async () => {
  const r = await provision(['validate', `${P}/many-problems.yml`, '-i', INV]);
  assert.is(r.code, 4);
  assert.is(r.stdout, '');
  assert.ok(r.stderr.startsWith(`provision: ${P}/many-problems.yml:8:7: `), 'only the first line carries the prefix');
  const f = `${P}/many-problems.yml`;
  const looked = [`${P}/nowhere.njk`, `${P}/templates/nowhere.njk`, 'templates/nowhere.njk', 'nowhere.njk'].map((p) => resolve(root, p));
  assert.equal(problemLines(r.stderr), [
    `${f}:8:7: unknown module or task keyword "frobnicate"`,
    `${f}:10:29: file: unknown argument "colour"`,
    `${f}:14:15: file: "mode" must be an octal mode like "0644" (quoted) or 0644 (unquoted, which YAML 1.1 reads as octal), or symbolic like "u=rw,g=r,o=r"`,
    `${f}:16:36: file: "state" must be one of "file", "directory", "absent", "link", "hard", "touch"`,
    `${f}:31:7: a task runs one module; found copy, file`,
    `${f}:28:15: notify names no handler of this play: "restart nothing"`,
    `${f}:18:24: local file "nowhere.njk" not found (looked in ${looked.join(', ')})`,
    `${f}:20:24: undefined variable "no_such_var"`,
    `${f}:23:13: undefined variable "missing_flag"`,
    `${f}:25:24: template bad.conf.njk: undefined variable "upstreams_missing"`,
    `${f}:33:24: undefined variable "only_h1" (hosts h2)`,
  ]);
});

test('--limit to the host that has the variable: it is no longer reported', async () => {
  const r = await provision(['validate', `${P}/many-problems.yml`, '-i', INV, '--limit', 'h1']);
  assert.is(r.code, 4);
  const lines = problemLines(r.stderr);
  assert.is(lines.length, 10);
  assert.not.ok(lines.some((l) => l.includes('only_h1')), r.stderr);
  assert.is(lines[9], `${P}/many-problems.yml:25:24: template bad.conf.njk: undefined variable "upstreams_missing"`);
});

test('--limit matching no host is a problem of the inventory', async () => {
  const r = await provision(['validate', `${P}/all-defined.yml`, '-i', INV, '--limit', 'nomatch', '-e', 'release=1']);
  assert.is(r.code, 4);
  assert.is(r.stderr, `provision: ${INV}:1:1: --limit nomatch matches no host\n`);
});

test('broken YAML: one FILE:LINE:COL: YAML: line, exit 4', async () => {
  const r = await provision(['validate', `${P}/broken-yaml.yml`, '-i', INV]);
  assert.is(r.code, 4);
  assert.is(r.stdout, '');
  assert.is(r.stderr, `provision: ${P}/broken-yaml.yml:5:41: YAML: missed comma between flow collection entries\n`);
});

test('register, loop/with_items item, group_vars, host_vars, play vars, -e, guards and defaults: valid, exit 0', async () => {
  const r = await provision(['validate', `${P}/all-defined.yml`, '-i', INV, '-e', 'release=1.2']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, `${P}/all-defined.yml: 2 play(s), 8 task(s): valid\n`);
  const core = await provision(['validate', 'test/fixtures/playbooks/core.yml', '-i', INV]);
  assert.is(core.code, 0, core.stderr);
  assert.is(core.stdout, 'test/fixtures/playbooks/core.yml: 1 play(s), 10 task(s): valid\n');
});

test('-e as JSON and as @file define variables too; without -e the one missing variable is reported for all hosts', async () => {
  for (const e of ['{"release": "x"}', '@test/fixtures/inventory/extra-vars/release.yml']) {
    const r = await provision(['validate', `${P}/all-defined.yml`, '-i', INV, '-e', e]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${P}/all-defined.yml: 2 play(s), 8 task(s): valid\n`);
  }
  const r = await provision(['validate', `${P}/all-defined.yml`, '-i', INV]);
  assert.is(r.code, 4);
  assert.is(r.stderr, `provision: ${P}/all-defined.yml:8:24: undefined variable "release"\n`, 'both hosts lack it: no (hosts ...)');
});

test('a bad -e or a missing inventory: one line, exit 4', async () => {
  const bad = await provision(['validate', `${P}/all-defined.yml`, '-i', INV, '-e', 'bad spec']);
  assert.is(bad.code, 4);
  assert.is(bad.stderr, 'provision: -e bad spec: expected key=value, a JSON object, or @file.yml\n');
  const inv = await provision(['validate', `${P}/all-defined.yml`, '-i', 'nowhere']);
  assert.is(inv.code, 4);
  assert.is(inv.stderr, 'provision: inventory nowhere does not exist\n');
});

test('schema: a JSON Schema that accepts core.yml and refuses unknown modules, arguments and keywords', async () => {
  const r = await provision(['schema']);
  assert.is(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as { $schema: string; title: string; items: { required: string[]; properties: { tasks: { items: { oneOf: unknown[] } } } } };
  assert.is(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.is(schema.title, 'provision playbook');
  assert.equal(schema.items.required, ['hosts']);
  const names = [...modules.values()].flatMap((m) => [m.name, ...(m.fqcn ?? [])]);
  assert.is(schema.items.properties.tasks.items.oneOf.length, names.length, 'one branch per name of a module');
  assert.equal(schema.items.properties.tasks.items.oneOf.map((b: unknown) => (b as { required: string[] }).required[0]).sort(), names.sort());
  assert.ok(names.includes('ansible.builtin.copy') && !names.includes('ansible.builtin.node'), 'full names only where Ansible has the module');
  const validate = new Ajv({ strict: false }).compile(schema);
  const core = load(readFileSync(resolve(root, 'test/fixtures/playbooks/core.yml'), 'utf8'));
  assert.is(validate(core), true, JSON.stringify(validate.errors));
  const play = (task: object) => [{ hosts: 'all', tasks: [task] }];
  assert.is(validate(play({ name: 'free-form', command: 'ls -l' })), true);
  assert.is(validate(play({ 'ansible.builtin.apt': 'name=nginx state=present', become: 'yes' })), true, 'a full name, free-form, a quoted boolean');
  assert.is(validate(play({ file: { path: '/tmp/x', mode: '0644' }, notify: ['a', 'b'], when: 'x' })), true);
  assert.is(validate(play({ frobnicate: { x: 1 } })), false, 'unknown module');
  assert.is(validate(play({ file: { path: '/tmp/x', colour: 'red' } })), false, 'unknown argument');
  // Ansible's other names of an argument, with its schema: lineinfile's dest, apt's pkg and install-recommends.
  assert.is(validate(play({ lineinfile: { dest: '/etc/x', line: 'y' } })), true, 'an alias, for a required argument');
  assert.is(validate(play({ lineinfile: { line: 'y' } })), false, 'the required argument by none of its names');
  assert.is(validate(play({ apt: { pkg: ['nginx'], 'install-recommends': false } })), true, 'aliases of apt');
  assert.is(validate(play({ apt: { pkg: ['Not A Package!'] } })), false, 'an alias holds its argument\'s schema');
  assert.is(validate(play({ file: { path: '/tmp/x', mode: 493 } })), true, 'an integer mode (YAML 1.1 reads 0755 as 493)');
  assert.is(validate(play({ file: { path: '/tmp/x', mode: 'rwxr-xr-x' } })), false, 'a mode that is no octal number');
  assert.is(validate(play({ file: { path: '/tmp/x', state: 'sideways' } })), false, 'bad enum');
  assert.is(validate(play({ copy: { content: 'x', dest: '/tmp/x' }, file: { path: '/tmp/x' } })), false, 'two modules');
  assert.is(validate([{ tasks: [] }]), false, 'a play without hosts');
  assert.is(validate([{ hosts: 'all', serial: 2 }]), false, 'an unknown play keyword');
});

test('playbooks/droplet.yml is valid against the example prod inventory', async () => {
  const r = await provision(['validate', 'playbooks/droplet.yml', '-i', 'inventories/prod']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /droplet\.yml: 1 play\(s\), 9 task\(s\): valid/);
});

test('a become_user that is not a user name is refused before any connection, at the line that sets it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'become-user-'));
  mkdirSync(join(dir, 'inv'));
  writeFileSync(join(dir, 'inv', 'hosts.yml'), 'all:\n  hosts:\n    web1:\n      ansible_host: 10.0.0.9\n      ansible_become_user: "root -- id; x"\n');
  writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  tasks:\n    - command: { argv: [id] }\n');
  for (const cmd of ['validate', 'apply']) {
    const r = await provision([cmd, join(dir, 'play.yml'), '-i', join(dir, 'inv')]);
    assert.is(r.code, 4, r.stderr);
    assert.match(r.stderr, /hosts\.yml:5:1: host web1: ansible_become_user "root -- id; x" is not a user name/);
    assert.not.match(r.stdout, /unreachable|failed/, 'nothing was contacted');
  }
});

test.run();
