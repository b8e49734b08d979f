// blockinfile's edit (modules/blockinfile.ts blockEdit), with Ansible's own blockinfile module as the oracle: each
// case is run by /usr/bin/python3 -m ansible.modules.blockinfile on a temp file, and the bytes it leaves must be
// the bytes provision computes, for files with and without a last newline, CRLF files, blocks found, moved,
// replaced and removed, every insertion anchor (EOF, BOF, a regexp, one with (?m)), custom markers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BlockInFileArgs, blockEdit } from '../../modules/blockinfile.ts';

const dir = mkdtempSync(join(tmpdir(), 'blockinfile-'));
const B = '# BEGIN ANSIBLE MANAGED BLOCK\n';
const E = '# END ANSIBLE MANAGED BLOCK\n';

type Case = { name: string; original?: string; args: Omit<BlockInFileArgs, 'path'> };
const CASES: Case[] = [
  { name: 'no file, create', args: { block: 'a\nb', create: true } },
  { name: 'empty file', original: '', args: { block: 'x' } },
  { name: 'no last newline, at EOF', original: 'one\ntwo', args: { block: 'x\n' } },
  { name: 'block replaced', original: `top\n${B}old\n${E}bottom\n`, args: { block: 'new1\nnew2' } },
  { name: 'block the same', original: `top\n${B}same\n${E}bottom\n`, args: { block: 'same' } },
  { name: 'block removed', original: `top\n${B}old\n${E}bottom\n`, args: { state: 'absent' } },
  { name: 'empty block removes', original: `top\n${B}old\n${E}`, args: { block: '' } },
  { name: 'absent, no markers, no last newline', original: 'one\ntwo', args: { state: 'absent' } },
  { name: 'insertafter: the last line it matches', original: 'a=1\nb=2\na=3\nc=4\n', args: { block: 'x', insertafter: '^a=' } },
  { name: 'insertbefore: the last line it matches', original: 'a=1\nb=2\na=3\nc=4\n', args: { block: 'x', insertbefore: '^a=' } },
  { name: 'insertbefore BOF', original: 'a\nb\n', args: { block: 'x', insertbefore: 'BOF' } },
  { name: 'insertafter matching nothing: EOF', original: 'a\nb\n', args: { block: 'x', insertafter: 'nothing' } },
  { name: 'insertafter with $ on a line', original: 'a\nend\nb\n', args: { block: 'x', insertafter: '^end$' } },
  { name: 'insertafter (?m) over the whole file', original: 'a\nb\nc\n', args: { block: 'x', insertafter: '(?m)^b$' } },
  { name: 'insertbefore (?m) over the whole file', original: 'a\nb\nc\n', args: { block: 'x', insertbefore: '(?m)^b' } },
  { name: 'a block already there is replaced in place, insertafter aside', original: `a\n${B}old\n${E}b\n`, args: { block: 'new', insertafter: '^b' } },
  { name: 'custom marker and words', original: 'a\n', args: { block: 'x', marker: '<!-- {mark} managed -->', marker_begin: 'start', marker_end: 'stop' } },
  { name: 'markers in the wrong order', original: `a\n${E}mid\n${B}b\n`, args: { block: 'x' } },
  { name: 'only a BEGIN marker', original: `a\n${B}b\n`, args: { block: 'x' } },
  { name: 'CRLF file', original: 'a\r\nb\r\n', args: { block: 'x', insertafter: '^a' } },
  { name: 'lone CR lines', original: 'a\rb\r', args: { block: 'x' } },
  { name: 'block with empty lines', original: 'a\n', args: { block: '\nx\n\ny\n\n' } },
];

function ansible(c: Case, path: string): string | undefined {
  const args = { path, ...c.args };
  const file = join(dir, 'args.json');
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: args }));
  execFileSync('/usr/bin/python3', ['-m', 'ansible.modules.blockinfile', file], { encoding: 'utf8' });
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

test('every case leaves the bytes Ansible\'s blockinfile leaves', () => {
  const wrong: string[] = [];
  CASES.forEach((c, i) => {
    const path = join(dir, `f${i}`);
    rmSync(path, { force: true });
    if (c.original !== undefined) writeFileSync(path, c.original);
    const theirs = ansible(c, path);
    const ours = blockEdit(c.original, { path, ...c.args });
    if (ours !== theirs) wrong.push(`${c.name}:\n    provision: ${JSON.stringify(ours)}\n    ansible:   ${JSON.stringify(theirs)}`);
  });
  assert.equal(wrong, [], wrong.join('\n'));
});

test('unsupported regexp flags are refused by name, not misread', () => {
  assert.throws(() => blockEdit('a\n', { path: '/x', block: 'y', insertafter: '(?x)a # comment' }), /the inline flag \(\?x\) is not supported yet/);
});

test.run();
