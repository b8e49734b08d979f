// Loops, pure: each with_* form's items from its terms as Ansible's lookup plugins make them, loop_control's
// variables, Jinja2's item.0, and loops written wrong refused where written.
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem } from '../../engine/errors.ts';
import { expandLoop, loopVars } from '../../engine/loops.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { renderValue } from '../../engine/vars/template.ts';
import { modules } from '../../modules/index.ts';

const dir = new URL('../fixtures/loops', import.meta.url).pathname;

test('the with_* forms', () => {
  assert.equal(expandLoop(undefined, [1, [2]]), [1, [2]]);
  assert.throws(() => expandLoop(undefined, 'a'), /loop must give a list/);
  assert.equal(expandLoop('items', [1, [2, [3]], 'a']), [1, 2, [3], 'a'], 'one level flattened');
  assert.equal(expandLoop('items', 'a'), ['a']);
  assert.equal(expandLoop('list', [[1], 2]), [[1], 2]);
  assert.equal(expandLoop('dict', { a: 1, b: 2 }), [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
  assert.equal(expandLoop('together', [[1, 2, 3], ['a']]), [[1, 'a'], [2, null], [3, null]]);
  assert.equal(expandLoop('nested', [['x', 'y'], [1, 2]]), [['x', 1], ['x', 2], ['y', 1], ['y', 2]]);
  const users = [{ name: 'a', g: ['w', 'x'] }, { name: 'b', g: ['y'] }, { name: 'c' }];
  assert.equal(expandLoop('subelements', [users.slice(0, 2), 'g']).map(([u, g]: any) => `${u.name}:${g}`), ['a:w', 'a:x', 'b:y']);
  assert.throws(() => expandLoop('subelements', [users, 'g']), /"g" is missing/);
  assert.equal(expandLoop('subelements', [users, 'g', { skip_missing: true }]).length, 3);
  assert.equal(expandLoop('sequence', 'start=1 end=5 stride=2 format=n%02d'), ['n01', 'n03', 'n05']);
  assert.equal(expandLoop('sequence', 'count=3'), ['1', '2', '3']);
  assert.equal(expandLoop('sequence', '4-8/2'), ['4', '6', '8']);
  assert.equal(expandLoop('indexed_items', [['p', 'q'], 'r']), [[0, 'p'], [1, 'q'], [2, 'r']]);
  assert.equal(expandLoop('fileglob', '*.conf', { playDir: dir }), [`${dir}/files/one.conf`, `${dir}/files/two.conf`]);
  assert.equal(expandLoop('lines', 'printf "a\\nb\\n"'), ['a', 'b']);
  const reuse = new URL('../fixtures/reuse', import.meta.url).pathname;
  assert.equal(expandLoop('first_found', ['vars/nothere.yml', 'vars/default.yml'], { playDir: reuse }), [`${reuse}/vars/default.yml`]);
  assert.equal(expandLoop('first_found', [{ files: ['x.yml', 'Debian.yml'], paths: ['vars'] }], { playDir: reuse }), [`${reuse}/vars/Debian.yml`]);
  assert.equal(expandLoop('first_found', [{ files: ['x.yml'], skip: true }], { playDir: reuse }), []);
  assert.throws(() => expandLoop('first_found', ['x.yml'], { playDir: reuse }), /first_found: none of .*x\.yml exists/);
});

test('loop_control: the loop variable\'s name, index_var, ansible_loop when extended', () => {
  assert.equal(loopVars(undefined, ['a'], 0), { item: 'a', ansible_loop_var: 'item' });
  assert.equal(loopVars({ loopVar: 'u', indexVar: 'i', extended: true }, ['a', 'b', 'c'], 1), {
    u: 'b', ansible_loop_var: 'u', i: 1,
    ansible_loop: { allitems: ['a', 'b', 'c'], index: 2, index0: 1, revindex: 2, revindex0: 1, first: false, last: false, length: 3, previtem: 'a', nextitem: 'c' },
  });
});

test('Jinja2\'s item.0 reads an index', () => {
  assert.is(renderValue('{{ item.1 }}-{{ item.0.name }}', { item: [{ name: 'a' }, 'b'] }), 'b-a');
  assert.is(renderValue("{{ 'v1.2' }}", {}), 'v1.2', 'not inside a string');
});

test('written wrong, or not supported yet: refused where written', () => {
  const f = relative(process.cwd(), `${dir}/invalid.yml`);
  assert.equal(parsePlaybook(f, modules).problems.map(formatProblem), [
    `${f}:6:7: loop and with_items: a task has one loop`,
    `${f}:8:7: loop_control without a loop`,
    `${f}:10:7: the task keyword "with_random_choice" is not supported yet`,
    `${f}:13:33: loop_control: loop_var needs a variable name`,
    `${f}:13:47: loop_control: "dance" is not supported yet`,
  ]);
});

test.run();
