// POSIX shell quoting (engine/shell.ts): every word survives sh and bash unchanged.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shJoin, shq } from '../../engine/shell.ts';

const hostile = ["plain", "two words", "it's", "$(touch /tmp/pwned)", "`id`", "a\nb", "'; rm -rf / #", "*", "", "--flag=x y", "\\"];

test('every word survives a POSIX shell unchanged', () => {
  for (const shell of ['sh', 'bash']) {
    for (const word of hostile) {
      const out = execFileSync(shell, ['-c', `printf %s ${shq(word)}`]).toString();
      assert.is(out, word, `${shell}: ${JSON.stringify(word)}`);
    }
  }
});

test('argv joins into one command line with the same words', () => {
  const out = execFileSync('sh', ['-c', `for a in ${shJoin(hostile)}; do printf '[%s]' "$a"; done`]).toString();
  assert.is(out, hostile.map((w) => `[${w}]`).join(''));
});

test('safe words are left readable', () => {
  assert.is(shq('/etc/nginx/nginx.conf'), '/etc/nginx/nginx.conf');
  assert.is(shq('a b'), "'a b'");
});

test.run();
