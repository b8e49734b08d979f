// Debian version comparison (modules/deb-version.ts) against dpkg --compare-versions on this machine: the
// policy's examples and random versions built from the characters versions use, each pair asked of dpkg.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareDebVersions } from '../../modules/deb-version.ts';

/** dpkg's answer for many pairs in one shell: "<", "=" or ">" per line. */
function dpkg(pairs: Array<[string, string]>): string[] {
  const script = 'while IFS=" " read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo "<"; elif dpkg --compare-versions "$a" eq "$b"; then echo "="; else echo ">"; fi; done';
  return execFileSync('sh', ['-c', script], { input: pairs.map((p) => p.join(' ')).join('\n') + '\n' }).toString().trim().split('\n');
}
const sign = (n: number) => (n < 0 ? '<' : n > 0 ? '>' : '=');

const KNOWN: Array<[string, string]> = [
  ['1.0', '1.0'], ['1.0~rc1', '1.0'], ['1.0', '1.0+b1'], ['1:1.0', '2.0'], ['1.0-1', '1.0-2'], ['2.36-9', '2.36-9+deb12u4'],
  ['1.0a', '1.0'], ['1.0~~', '1.0~'], ['1.0~', '1.0'], ['1.01', '1.1'], ['1.10', '1.9'], ['0:1.0', '1.0'], ['1.0-1~bpo12+1', '1.0-1'],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'], ['1.2.3-0ubuntu1', '1.2.3-1'], ['1.0.', '1.0'],
];

test('known pairs: as dpkg orders them', () => {
  const theirs = dpkg(KNOWN);
  KNOWN.forEach((p, i) => {
    assert.is(sign(compareDebVersions(p[0], p[1])), theirs[i], p.join(' vs '));
    assert.is(sign(compareDebVersions(p[1], p[0])), theirs[i] === '<' ? '>' : theirs[i] === '>' ? '<' : '=', `${p[1]} vs ${p[0]}`);
  });
});

test('random versions: as dpkg orders them', () => {
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const part = () => Array.from({ length: 1 + rnd(5) }, () => '0123456789.~+ab'[rnd(15)]).join('');
  const version = () => `${rnd(4) === 0 ? `${rnd(3)}:` : ''}${rnd(10)}${part()}${rnd(2) ? `-${rnd(10)}${part()}` : ''}`;
  const pairs: Array<[string, string]> = Array.from({ length: 500 }, () => {
    const a = version();
    return [a, rnd(4) === 0 ? a : version()];
  });
  const theirs = dpkg(pairs);
  pairs.forEach((p, i) => assert.is(sign(compareDebVersions(p[0], p[1])), theirs[i], p.join(' vs ')));
});

test.run();
