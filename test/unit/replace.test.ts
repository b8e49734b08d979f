// replace's edit (modules/replace.ts replaceEdit), with Ansible's own replace module as the oracle: each case is run
// by /usr/bin/python3 -m ansible.modules.replace on a temp file, and the text it leaves must be the text provision
// computes: groups (\1, \g<name>), escapes in the replacement, MULTILINE anchors, empty matches, after/before
// sections, nothing matching, a replacement that changes nothing, literals escaped by re.escape.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ReplaceArgs, replaceEdit } from '../../modules/replace.ts';

const dir = mkdtempSync(join(tmpdir(), 'replace-'));
const CONF = 'Listen 80\n# Listen 8080\nServerName old.example\n\n[main]\nkey = 1\n[other]\nkey = 2\n';

type Case = { name: string; text?: string; args: Omit<ReplaceArgs, 'path'> };
const CASES: Case[] = [
  { name: 'a word everywhere', args: { regexp: 'Listen', replace: 'Port' } },
  { name: 'anchored lines (MULTILINE)', args: { regexp: '^Listen (\\d+)$', replace: 'Listen \\1 # was \\1' } },
  { name: 'named groups', args: { regexp: '^(?P<k>\\w+) = (?P<v>\\d+)$', replace: '\\g<k>=\\g<v>0' } },
  { name: 'escapes in the replacement', args: { regexp: '^ServerName (.*)$', replace: 'ServerName new.example\\n\\tServerAlias \\1' } },
  { name: 'a dollar in the replacement', args: { regexp: 'old', replace: '$HOME $1' } },
  { name: 'empty matches', text: 'abc\n', args: { regexp: 'x*', replace: '-' } },
  { name: 'after a section head', args: { regexp: '^key = \\d$', replace: 'key = 9', after: '\\[other\\]' } },
  { name: 'before a section head', args: { regexp: '^key = \\d$', replace: 'key = 9', before: '\\[other\\]' } },
  { name: 'between after and before', args: { regexp: 'key', replace: 'KEY', after: '\\[main\\]', before: '\\[other\\]' } },
  { name: 'after that matches nothing', args: { regexp: 'key', replace: 'KEY', after: 'nowhere' } },
  { name: 'nothing matches', args: { regexp: 'absent', replace: 'x' } },
  { name: 'a replacement that changes nothing', args: { regexp: 'Listen', replace: 'Listen' } },
  { name: 'a line removed', args: { regexp: '^# Listen.*\\n', replace: '' } },
  { name: 'case-insensitive inline flag', args: { regexp: '(?i)servername', replace: 'ServerName' } },
  { name: 'end of text \\Z', text: 'a\nb', args: { regexp: 'b\\Z', replace: 'B' } },
  { name: 'unicode', text: 'café crème\n', args: { regexp: 'é', replace: 'e' } },
  // re.escape's output (regex_escape's too): `\ `, `\-`, `\#`, `\&`, `\~`, `\\`, a backslash before a newline, in and out of a class.
  { name: 'literals escaped as re.escape escapes them', text: 'a b-c#&~\\\nd -]\n', args: { regexp: 'a\\ b\\-c\\#\\&\\~\\\\\\\nd\\ [\\-x]', replace: 'z' } },
];

test('every case leaves the text Ansible\'s replace leaves', () => {
  const wrong: string[] = [];
  CASES.forEach((c, i) => {
    const path = join(dir, `f${i}`);
    const text = c.text ?? CONF;
    writeFileSync(path, text);
    writeFileSync(join(dir, 'args.json'), JSON.stringify({ ANSIBLE_MODULE_ARGS: { path, ...c.args } }));
    execFileSync('/usr/bin/python3', ['-m', 'ansible.modules.replace', join(dir, 'args.json')], { encoding: 'utf8' });
    const theirs = readFileSync(path, 'utf8');
    const ours = replaceEdit(text, { path, ...c.args }).text;
    if (ours !== theirs) wrong.push(`${c.name}:\n    provision: ${JSON.stringify(ours)}\n    ansible:   ${JSON.stringify(theirs)}`);
  });
  assert.equal(wrong, [], wrong.join('\n'));
});

test('how many replacements, and none when the text stays the same', () => {
  assert.is(replaceEdit(CONF, { path: '/x', regexp: 'key', replace: 'KEY' }).count, 2);
  assert.is(replaceEdit(CONF, { path: '/x', regexp: 'key', replace: 'key' }).count, 0);
  assert.throws(() => replaceEdit(CONF, { path: '/x', regexp: '(', replace: '' }), /regexp "\(" is not a regular expression provision can read/);
});

test.run();
