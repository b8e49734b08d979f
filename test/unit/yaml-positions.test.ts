// loadWithPositions: values with the 1-based line/col of every value and key; syntax errors as FILE:LINE:COL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../../engine/errors.ts';
import { lineCounter, loadWithPositions, YamlSyntaxError } from '../../engine/yaml/positions.ts';

const text = [
  '# a comment line',             // 1
  'name: web',                    // 2
  'ports: [80, "443"]',           // 3
  'nested:',                      // 4
  '  "quoted key": \'single\'',   // 5
  '  empty:',                     // 6
  '  script: |',                  // 7
  '    echo hi',                  // 8
  'list:',                        // 9
  '  - a',                        // 10
  '  - {k: v}',                   // 11
  '',
].join('\n');

test('values and keys have 1-based positions: plain, quoted, flow, block, sequence items', () => {
  const doc = loadWithPositions(text, 'x.yml');
  assert.equal(doc.value, { name: 'web', ports: [80, '443'], nested: { 'quoted key': 'single', empty: null, script: 'echo hi\n' }, list: ['a', { k: 'v' }] });
  assert.equal(doc.pos([]), { line: 2, col: 1 });
  assert.equal(doc.keyPos(['name']), { line: 2, col: 1 });
  assert.equal(doc.pos(['name']), { line: 2, col: 7 });
  assert.equal(doc.pos(['ports']), { line: 3, col: 8 });
  assert.equal(doc.pos(['ports', 1]), { line: 3, col: 13 }, 'a quoted scalar starts at its quote');
  assert.equal(doc.keyPos(['nested', 'quoted key']), { line: 5, col: 3 });
  assert.equal(doc.pos(['nested', 'quoted key']), { line: 5, col: 17 });
  assert.equal(doc.pos(['nested', 'script']), { line: 7, col: 11 }, 'a block scalar starts at its | header');
  assert.equal(doc.pos(['list', 0]), { line: 10, col: 5 });
  assert.equal(doc.pos(['list', 1, 'k']), { line: 11, col: 9 });
  assert.equal(doc.keyPos(['list', 1, 'k']), { line: 11, col: 6 });
  assert.is(doc.keyPos(['list', 0]), undefined, 'sequence items have no key');
});

test('an empty value is placed at its key; a path not in the document has no position', () => {
  const doc = loadWithPositions(text, 'x.yml');
  assert.equal(doc.pos(['nested', 'empty']), { line: 6, col: 3 });
  assert.is(doc.pos(['nested', 'missing']), undefined);
  assert.is(doc.pos(['name', 'deeper']), undefined);
});

test('aliases and << merge keys: merged values point at the anchor, explicit keys at their own line', () => {
  const src = 'base: &b\n  x: 1\n  y: 2\ncopy: *b\nmerged:\n  <<: *b\n  y: 3\n';
  const doc = loadWithPositions(src, 'm.yml');
  assert.equal(doc.value, { base: { x: 1, y: 2 }, copy: { x: 1, y: 2 }, merged: { x: 1, y: 3 } });
  assert.equal(doc.pos(['copy']), { line: 4, col: 7 });
  assert.equal(doc.pos(['copy', 'y']), { line: 3, col: 6 });
  assert.equal(doc.keyPos(['merged', 'x']), { line: 2, col: 3 });
  assert.equal(doc.keyPos(['merged', 'y']), { line: 7, col: 3 });
  assert.equal(doc.pos(['merged', 'y']), { line: 7, col: 6 });
});

test('a syntax error is a UserError "FILE:LINE:COL: reason" with exit code 4 and js-yaml\'s mark', () => {
  try {
    loadWithPositions('a: 1\n  b: 2\n', 'dir/bad.yml');
    assert.unreachable('no error');
  } catch (err) {
    assert.instance(err, YamlSyntaxError);
    const e = err as YamlSyntaxError;
    assert.is(e.message, 'dir/bad.yml:2:4: bad indentation of a mapping entry');
    assert.is(e.exitCode, EXIT.invalid);
    assert.equal(e.mark, { line: 1, column: 3 });
    assert.is(e.reason, 'bad indentation of a mapping entry');
  }
});

test('duplicate keys and several documents are errors; an empty text has no value', () => {
  assert.throws(() => loadWithPositions('a: 1\na: 2\n', 'd.yml'), (e: Error) => e.message === 'd.yml:2:1: duplicated mapping key');
  assert.throws(() => loadWithPositions('a: 1\n---\nb: 2\n', 'two.yml'), (e: Error) => e.message === 'two.yml: holds 2 YAML documents; expected one');
  assert.is(loadWithPositions('', 'e.yml').value, undefined);
  assert.is(loadWithPositions('# only a comment\n', 'e.yml').value, undefined);
  assert.is(loadWithPositions('~\n', 'n.yml').value, null);
});

test('lineCounter maps offsets to lines and columns', () => {
  const at = lineCounter('ab\ncd\n\nx');
  assert.equal(at(0), { line: 1, col: 1 });
  assert.equal(at(4), { line: 2, col: 2 });
  assert.equal(at(6), { line: 3, col: 1 });
  assert.equal(at(7), { line: 4, col: 1 });
});

test.run();
