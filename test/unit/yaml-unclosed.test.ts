// A `[`, `{` or quote never closed: js-yaml says "deficient indentation" where it gave up (often the line
// after, or past the end of the file); the error points at the opener instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unclosedAt } from '../../engine/yaml/unclosed.ts';
import { loadWithPositions } from '../../engine/yaml/positions.ts';

const messageOf = (text: string) => {
  try {
    loadWithPositions(text, 'p.yml');
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

test('an unclosed [ or { is named at its line and column, with where the parser stopped', () => {
  assert.is(messageOf('- hosts: all\n  tasks:\n    - file: { path: /x, state: [directory\n'),
    'p.yml:3:32: the [ opened here is not closed (the parser stopped at 4:1: deficient indentation)');
  assert.is(messageOf('a: {b: 1\nc: 2\n'), 'p.yml:1:4: the { opened here is not closed (the parser stopped at 2:1: deficient indentation)');
  assert.is(messageOf('a: [1, [2, 3], {x: 4}\n'), 'p.yml:1:4: the [ opened here is not closed (the parser stopped at 2:1: deficient indentation)');
});

test('an unclosed quote likewise', () => {
  assert.is(messageOf('a: "open\n'), 'p.yml:1:4: the double-quoted string opened here is not closed (the parser stopped at 2:1: deficient indentation)');
  assert.is(messageOf("- name: 'it''s open\n"), "p.yml:1:9: the single-quoted string opened here is not closed (the parser stopped at 2:1: deficient indentation)");
});

test('other syntax errors keep js-yaml\'s place and reason', () => {
  assert.is(messageOf('a: 1\n  b: 2\n'), 'p.yml:2:4: bad indentation of a mapping entry');
  assert.is(messageOf('a: 1\na: 2\n'), 'p.yml:2:1: duplicated mapping key');
  // Inside a collection its own bracket is still open: that says nothing, js-yaml's place is the one.
  assert.is(messageOf('a: {b: 1 c: 2}\n'), 'p.yml:1:11: missed comma between flow collection entries');
});

test('the scanner skips brackets and quotes that open nothing', () => {
  const none = (t: string) => assert.is(unclosedAt(t, t.length), undefined, JSON.stringify(t));
  none('a: [1, 2]\nb: {c: "[", d: \'{\'}\n');
  none("a: don't [stop]\nb: foo[1\nc: x > y\n");
  none('# a [ in a comment\na: 1 # and { here\n');
  none('a: |\n  text with [ and { and "\n  more\nb: >-\n  folded \' [\nc: 1\n');
  none('a: "esc \\" [ still inside"\nb: \'it\'\'s\'\n');
  none('- "a"\n- [x, "y, z", {k: v}]\n');
});

test('the scanner: the innermost open thing, up to the offset given', () => {
  const t = 'a: {b: [1, 2\n';
  assert.equal(unclosedAt(t, t.length), { offset: 7, what: 'the [ opened here' });
  assert.equal(unclosedAt(t, 5), { offset: 3, what: 'the { opened here' });
  assert.is(unclosedAt(t, 2), undefined);
});

test.run();
