// Templates: renderValue gives what Ansible's Templar gives for a whole `{{ expression }}`; undefinedVariables finds the
// variables a template reads without a definition (defaults, loops, set, `is defined` guards excepted).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/thrown.ts';
import { TemplateError, evaluate, isTemplated, renderFile, renderValue, undefinedVariables, unknownNames } from '../../engine/vars/template.ts';

const vars = { n: 5, l: [1, 'a'], m: { a: 1, b: [true] }, s: 'str', b: true, nul: null, z: 0, yes: 'yes' };
const none = () => false;
const known = (...names: string[]) => (n: string) => names.includes(n);

const templateError = (f: () => unknown) => thrown(TemplateError, f);

test('renderValue: as Ansible\'s Templar: a variable\'s own number or boolean, lists and maps native, other results text', () => {
  const cases: Array<[string, unknown]> = [
    ['{{ n }}', 5], ['{{n}}', 5], ['{{ z }}', 0], ['{{ n + 1 }}', '6'], ['{{ b }}', true], ['{{ nul }}', null],
    ['{{ l }}', [1, 'a']], ['{{ m }}', { a: 1, b: [true] }], ['{{ m.b }}', [true]], ['{{ m.a }}', '1'], ['{{ s }}', 'str'],
    ['{{ l | length }}', '2'], ['{{ s | upper }}', 'STR'], ['{{ n > 3 }}', true], ['{{ [n, s] }}', [5, 'str']],
    ['{{ missing | default(7) }}', '7'], ['{{ missing | d("x") }}', 'x'], ['{{ yes | bool }}', true], ['{{ "08" | int }}', '8'],
  ];
  for (const [source, want] of cases) assert.equal(renderValue(source, vars), want, source);
});

test('renderValue: text around or between expressions gives a string; no template gives the string as is', () => {
  const cases: Array<[string, unknown]> = [
    ['x{{ n }}', 'x5'], [' {{ n }} ', ' 5 '], ['{{ n }}\n\n', '5\n\n'], ['{{ n }}{{ n }}', '55'], ['{{ n }} and {{ s }}', '5 and str'], ['{{ "a" ~ n }}', 'a5'],
    ['{% if b %}on{% else %}off{% endif %}', 'on'], ['{% for x in l %}[{{ x }}]{% endfor %}', '[1][a]'],
    ['plain', 'plain'], ['', ''], ['{ n }', '{ n }'], ['{{ s | quote }}', 'str'], ['{{ "a b" | quote }}', "'a b'"], ['{{ m | to_json }}', '{"a": 1, "b": [true]}'],
  ];
  for (const [source, want] of cases) assert.equal(renderValue(source, vars), want, source);
  assert.is(isTemplated('a {{ b }}'), true);
  assert.is(isTemplated('{% if x %}{% endif %}'), true);
  assert.is(isTemplated('{ n } and {#'), false);
});

test('renderValue: undefined variables and missing keys are TemplateErrors naming them; a syntax error throws', () => {
  assert.is(templateError(() => renderValue('{{ nope }}', vars)).message, 'undefined variable "nope"');
  assert.is(templateError(() => renderValue('{{ a }}-{{ b2 }}-{{ a }}', vars)).message, 'undefined variables "a", "b2"');
  assert.is(templateError(() => renderValue('{{ m.zz }}', vars)).message, '[Line 1, Column 1] an undefined value (a missing key?)');
  assert.throws(() => renderValue('{{ n |}}', vars), (e: Error) => e.message === 'expected symbol, got variable-end');
});

test('renderFile: a whole file as text; errors carry the template name', () => {
  assert.is(renderFile('port = {{ n }}\n{% for x in l %}\n- {{ x }}\n{% endfor %}\n', vars, 'a.njk'), 'port = 5\n- 1\n- a\n', 'trimBlocks');
  assert.is(templateError(() => renderFile('{{ n }}\n{{ gone }}\n', vars, 'a.njk')).message, 'a.njk: undefined variable "gone"');
});

test('undefinedVariables: the rest is reported, each name once, in order of reading', () => {
  assert.equal(undefinedVariables('{{ a }} {{ b.c }} {{ a }} {{ d["k"] }} {{ e[f] }}', none), ['a', 'b', 'd', 'e', 'f']);
  assert.equal(undefinedVariables('{{ a + b }}', known('a')), ['b']);
  assert.equal(undefinedVariables('{% if x > 1 %}{{ y }}{% endif %}', none), ['x', 'y']);
  assert.equal(undefinedVariables('{{ x | mandatory }} {{ s | replace(old, "n") }}', known('s')), ['x', 'old']);
  assert.equal(undefinedVariables('{{ k.attr }} {{ k[0] }} {{ k["x"] }}', known('k')), [], 'attributes of a known variable');
  assert.equal(undefinedVariables('no template here', none), []);
});

test('undefinedVariables: default/d filter arguments are not required, their own arguments are', () => {
  assert.equal(undefinedVariables('{{ x | default(1) }} {{ y | d("v") }} {{ z.k | default(none) }}', none), []);
  assert.equal(undefinedVariables('{{ x | default(fallback) }}', none), ['fallback']);
  assert.equal(undefinedVariables('{{ x | default(f | upper) }}', none), ['f']);
  assert.equal(undefinedVariables('{{ x | upper | default("a") }}', none), [], 'the whole chain before default');
});

test('undefinedVariables: loop variables, set names, globals and literals are bound', () => {
  assert.equal(undefinedVariables('{% for a in items %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}', none), ['items', 'b']);
  assert.equal(undefinedVariables('{% for k, v in m %}{{ k }}={{ v }}{% endfor %}{{ k }}', known('m')), ['k'], 'k is unbound after the loop');
  assert.equal(undefinedVariables('{% for i in m %}{% else %}{{ i }}{% endfor %}', known('m')), ['i'], 'the else branch does not bind i');
  assert.equal(undefinedVariables('{% set s = base ~ "/x" %}{{ s }}', none), ['base']);
  assert.equal(undefinedVariables('{% set s %}block{% endset %}{{ s }}', none), []);
  assert.equal(undefinedVariables('{{ range(3) }} {{ true }} {{ none }} {{ True }} {{ [1, 2] }} {{ {"a": 1} }}', none), []);
});

test('undefinedVariables: `is defined` guards, in an if, an inline if and an and/or chain', () => {
  assert.equal(undefinedVariables('{{ x is defined }} {{ y is undefined }} {{ z is none }} {{ w is not defined }}', none), []);
  assert.equal(undefinedVariables('{% if x is defined %}{{ x }}{% endif %}', none), []);
  assert.equal(undefinedVariables('{% if x is defined %}{{ x }}{% else %}{{ x }}{% endif %}', none), ['x'], 'the else branch is not guarded');
  assert.equal(undefinedVariables('{% if x is defined %}{% endif %}{{ x }}', none), ['x'], 'after the if, not guarded');
  assert.equal(undefinedVariables('{{ x if x is defined else y }}', none), ['y']);
  assert.equal(undefinedVariables('{{ x is defined and x > 1 }}', none), []);
  assert.equal(undefinedVariables('{{ x is not defined or x }} {{ y is undefined or y }}', none), []);
  assert.equal(undefinedVariables('{{ x is defined and y }}', none), ['y'], 'guards only x');
  assert.equal(undefinedVariables('{{ x is defined or x }} {{ y is undefined and y }}', none), ['x', 'y'], 'the wrong way round: not guarded');
  assert.equal(undefinedVariables('{{ x > 1 and x is defined }}', none), ['x'], 'a guard after the use');
});

test('undefinedVariables: a syntax error throws', () => {
  assert.throws(() => undefinedVariables('{{ x |}}', none), /expected symbol/);
  assert.throws(() => undefinedVariables('{% for %}', none));
});


test('nunjucks filters Jinja2 does not have (dump, nl2br) and the internal one are unknown filters, as in Ansible', () => {
  assert.equal(unknownNames('{{ x | dump }} {{ x | nl2br }} {{ x | __provision_json }} {{ x | to_json }}'),
    ['unknown filter "dump"', 'unknown filter "nl2br"', 'unknown filter "__provision_json"']);
  assert.equal(evaluate('[1, "a", none]', {}), [1, 'a', null], 'evaluate still reads values whole');
});

test.run();
