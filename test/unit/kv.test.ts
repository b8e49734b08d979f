// Free-form key=value arguments: splitArgs and parseKv against the cases Ansible's split_args/parse_kv document.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseKv, splitArgs } from '../../engine/playbook/kv.ts';

test('splitArgs: whitespace outside quotes and template blocks separates words', () => {
  assert.equal(splitArgs('a=b c="foo bar"'), ['a=b', 'c="foo bar"']);
  assert.equal(splitArgs("  a='x  y'   b=2 "), ["a='x  y'", 'b=2']);
  assert.equal(splitArgs('msg={{ a | join(" ") }} x=1'), ['msg={{ a | join(" ") }}', 'x=1']);
  assert.equal(splitArgs('c="say \\"hi there\\""'), ['c="say \\"hi there\\""']);
  assert.equal(splitArgs(''), []);
  assert.throws(() => splitArgs('a="b'), /unclosed " quote/);
  assert.throws(() => splitArgs('a={{ b'), /unclosed template block/);
});

test('parseKv: values lose one pair of outer quotes; words without = are raw params, in order', () => {
  assert.equal(parseKv('name=nginx state=present'), { args: { name: 'nginx', state: 'present' }, raw: [] });
  assert.equal(parseKv('c="say \\"hi\\"" d=\'it\'\'s\''), { args: { c: 'say "hi"', d: "it''s" }, raw: [] });
  assert.equal(parseKv('echo hi creates=/tmp/x'), { args: { creates: '/tmp/x' }, raw: ['echo', 'hi'] });
  assert.equal(parseKv('a==b e='), { args: { a: '=b', e: '' }, raw: [] });
  assert.equal(parseKv('1a=b'), { args: {}, raw: ['1a=b'] }, 'a key is a name');
});

test.run();
