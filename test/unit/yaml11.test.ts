// Ansible's YAML: plain scalars as PyYAML's SafeLoader (YAML 1.1) reads them, checked against PyYAML itself
// (Debian's python3-yaml, which `bin/setup --tests` installs); and Ansible's boolean() for keywords and bool arguments.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from 'js-yaml';
import { ANSIBLE_SCHEMA, ansibleBool } from '../../engine/yaml/schema.ts';
import { loadWithPositions } from '../../engine/yaml/positions.ts';

const SCALARS = [
  'yes', 'no', 'Yes', 'YES', 'yEs', 'on', 'Off', 'OFF', 'y', 'n', 'Y', 'N', 'true', 'True', 'TRUE', 'tRue', 'false', 'False',
  '0644', '0755', '0o644', '0x1f', '0x_1F', '1_000', '0b101', '0b1_0', '1:20', '-1:20', '190:20:30', '0:30', '010', '08', '09',
  '0', '-0', '+0', '00', '-010', '+12', '1.5', '1.', '.5', '1e3', '1.0e+3', '1.0e3', '685_230.15', '190:20:30.15', '.inf',
  '-.Inf', '+.INF', '~', 'null', 'Null', 'NULL', 'nULL', '', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '_1', '1_', '0x',
  '0b', '-0x1f', '+0b11', '.', '1:60', '1:59', '0.1_0', '<<x',
];

/** A value as JSON can carry it: infinities and dates by name. */
const portable = (v: unknown) => (v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : v);

test('every scalar of the table reads as PyYAML reads it (timestamps aside: strings here, dates there)', () => {
  const text = SCALARS.map((s) => `- ${s}`).join('\n');
  const ours = (load(text, { schema: ANSIBLE_SCHEMA }) as unknown[]).map(portable);
  const script = [
    'import yaml, sys, json, datetime',
    'def p(x):',
    '  if isinstance(x, (datetime.date, datetime.datetime)): return "DATE"',
    '  if x == float("inf"): return "Inf"',
    '  if x == float("-inf"): return "-Inf"',
    '  return x',
    'print(json.dumps([p(x) for x in yaml.safe_load(sys.stdin.read())]))',
  ].join('\n');
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' })) as unknown[];
  assert.is(ours.length, SCALARS.length);
  SCALARS.forEach((s, i) => {
    if (theirs[i] === 'DATE') assert.is(ours[i], s, `${s}: a timestamp stays its text`);
    else assert.equal(ours[i], theirs[i], `"${s}": ours ${JSON.stringify(ours[i])}, PyYAML ${JSON.stringify(theirs[i])}`);
  });
});

test('the values Ansible users lean on, without the oracle', () => {
  const v = load('[yes, no, On, OFF, y, 0644, 0755, "0644", 644, 1e3, 0:30, ~, 2001-12-14]', { schema: ANSIBLE_SCHEMA });
  assert.equal(v, [true, false, true, false, 'y', 0o644, 0o755, '0644', 644, '1e3', '0:30', null, '2001-12-14']);
});

test('playbooks, inventories and vars files are read with it, positions kept', () => {
  const doc = loadWithPositions('become: no\nmode: 0644\n', 'x.yml');
  assert.equal(doc.value, { become: false, mode: 0o644 });
  assert.equal(doc.pos(['mode']), { line: 2, col: 7 });
});

test("ansibleBool: Ansible's boolean(): booleans, 0/1, and y/yes/on/1/true/t (n/no/off/0/false/f) in any case", () => {
  for (const t of [true, 1, 'yes', 'YES', 'y', 'Y', 'on', 'On', '1', 'true', 'True', 't', ' yes ']) assert.is(ansibleBool(t), true, String(t));
  for (const f of [false, 0, 'no', 'NO', 'n', 'off', '0', 'false', 'f', 'F']) assert.is(ansibleBool(f), false, String(f));
  for (const x of ['maybe', '', 2, null, undefined, [], {}, '{{ x }}']) assert.is(ansibleBool(x), undefined, JSON.stringify(x));
});

test.run();
