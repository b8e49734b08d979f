// Ansible's list arguments (type='list'): a string is split at its commas and a number is its text, as
// check_type_list does (Ansible's own function, run on this machine, is the oracle); the playbook forms users write
// (`apt: name=curl,jq`, `groups=sudo,adm`, unarchive's extra_opts as one string) validate and reach the module as
// lists; package takes apt's arguments (Ansible's package action hands them to apt); apt's dashed aliases.
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem } from '../../engine/errors.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { renderArgs } from '../../engine/task-control.ts';
import { coerce } from '../../engine/validate.ts';
import { modules } from '../../modules/index.ts';

const file = relative(process.cwd(), new URL('../fixtures/playbooks/list-args.yml', import.meta.url).pathname);

test('a string or number where a list is wanted: as Ansible\'s check_type_list makes it', () => {
  const values: unknown[] = ['curl,jq', 'a, b', '', 'one', 7, 1.5, 'a,,b'];
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c',
    'import json,sys\nfrom ansible.module_utils.common.validation import check_type_list\nprint(json.dumps([check_type_list(v) for v in json.loads(sys.argv[1])]))',
    JSON.stringify(values)], { encoding: 'utf8' })) as unknown[];
  const schema = { type: 'array', items: { type: 'string' } };
  assert.equal(values.map((v) => coerce(schema, v)), theirs);
  // A "one or a list" argument (apt's name) splits only a string with a comma; a list stays as it is.
  const oneOrList = { if: { type: 'string' }, then: { type: 'string' }, else: { type: 'array', items: { type: 'string' } } };
  assert.equal([coerce(oneOrList, 'curl,jq'), coerce(oneOrList, 'nginx'), coerce(oneOrList, ['a,b'])], [['curl', 'jq'], 'nginx', ['a,b']]);
});

test('the forms Ansible users write validate, and reach the module as lists', () => {
  const { plays, problems } = parsePlaybook(file, modules);
  assert.equal(problems.map(formatProblem), []);
  // Defaults filled in too: only what the task wrote is compared.
  const args = plays[0].tasks.map((t) => renderArgs(modules.get(t.module)!, t, {}));
  const written = (i: number, keys: string[]) => Object.fromEntries(keys.map((k) => [k, args[i][k]]));
  assert.equal(written(0, ['name', 'state']), { name: ['curl', 'jq'], state: 'present' });
  assert.equal(written(1, ['name', 'groups', 'append']), { name: 'deploy', groups: ['sudo', 'adm'], append: true });
  assert.equal(written(2, ['extra_opts', 'exclude']), { extra_opts: ['--strip-components=1'], exclude: ['*.md'] });
  assert.equal(written(3, ['exclude_hosts']), { exclude_hosts: ['10.0.0.1', '10.0.0.2'] });
  assert.equal(written(4, ['name', 'update_cache', 'cache_valid_time', 'install_recommends']), { name: 'nginx', update_cache: true, cache_valid_time: 3600, install_recommends: false });
  assert.equal(written(5, ['name', 'install_recommends', 'allow_downgrade']), { name: 'haproxy', install_recommends: false, allow_downgrade: true });
  assert.equal(written(6, ['name']), { name: 'nginx' });
});

test.run();
