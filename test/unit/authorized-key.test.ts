// authorized_key's text algorithm (modules/authorized-key/keys.ts), with ansible.posix's own authorized_key module as
// the oracle: each case is run by /usr/bin/python3 -m ansible_collections.ansible.posix.plugins.modules.authorized_key
// on a temp file (user root, path given), and the bytes it leaves, whether it reports a change, and its refusals
// must be provision's: comments and blank lines, repeated keys, options compared as a mapping, the comment kept or
// replaced, several keys at once, exclusive, absent, CRLF, a last line without its line break.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AuthorizedKeyArgs, authorizedKeysEdit, readAsPython } from '../../modules/authorized-key/keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'authorized-key-'));
const A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1 alice@laptop';
const B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQB2 bob@desk';
const C = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBC3';
const FILE = `# team keys\n${A}\n\n${B}\n`;

type Case = { name: string; text?: string; args: AuthorizedKeyArgs };
const CASES: Case[] = [
  { name: 'a key into no file', args: { key: A } },
  { name: 'a key into a file', text: FILE, args: { key: C } },
  { name: 'a key already there', text: FILE, args: { key: A } },
  { name: 'another comment: rewritten', text: FILE, args: { key: A.replace('alice@laptop', 'alice@phone') } },
  { name: 'no comment: rewritten with a space at the end', text: FILE, args: { key: A.replace(' alice@laptop', '') } },
  { name: 'the comment argument', text: FILE, args: { key: B, comment: 'bob (desk)' } },
  { name: 'key options added', text: FILE, args: { key: A, key_options: 'no-port-forwarding,from="10.0.0.1,10.0.0.2"' } },
  { name: 'key options in another order: the same', text: `no-pty,from="10.0.0.1" ${A}\n`, args: { key: A, key_options: 'from="10.0.0.1",no-pty' } },
  { name: 'options inside the key line', text: FILE, args: { key: `command="echo a,b",no-pty ${C} c` } },
  { name: 'odd options (,, and a lone quote)', args: { key: A, key_options: 'no-pty,,x="y' } },
  { name: 'several keys, a blank line and a comment among them', text: FILE, args: { key: `${C} carol\n\n# not a key\n${A}\n${B.replace('bob@desk', 'bob@home')}` } },
  { name: 'exclusive', text: FILE, args: { key: `${C} carol\n${A}`, exclusive: true } },
  { name: 'exclusive, already so', text: `${A}\n`, args: { key: A, exclusive: true } },
  { name: 'absent', text: FILE, args: { key: B, state: 'absent' } },
  { name: 'absent, whatever the options and comment', text: `no-pty ${A}\n`, args: { key: A.replace('alice@laptop', 'x'), state: 'absent' } },
  { name: 'absent, not there', text: FILE, args: { key: C, state: 'absent' } },
  { name: 'repeated keys and blank lines become one', text: `${A}\n\n${B}\n\n${A}\n# c\n# c\n`, args: { key: C } },
  { name: 'a last comment without its line break', text: `${A}\n# last`, args: { key: C } },
  { name: 'CRLF', text: `${A}\r\n${B}\r\n`, args: { key: C } },
  { name: 'CRLF, nothing to do', text: `${A}\r\n`, args: { key: A } },
  { name: 'escaped hashes in a comment line', text: `# a \\# b\n${A}\n`, args: { key: C } },
  { name: 'a line that is no key', text: `garbage here\n${A}\n`, args: { key: C } },
  { name: 'tabs between the fields', text: `ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAIA1\talice@laptop\n`, args: { key: A } },
  { name: 'refused: an invalid key', text: FILE, args: { key: 'not a key' } },
  { name: 'refused: a key type with nothing after it in the file', text: 'ssh-rsa\n', args: { key: A } },
];

function theirs(c: Case, i: number): { changed?: boolean; failed?: boolean; after?: string } {
  const path = join(dir, `keys${i}`);
  rmSync(path, { force: true });
  if (c.text !== undefined) writeFileSync(path, c.text);
  writeFileSync(join(dir, 'args.json'), JSON.stringify({ ANSIBLE_MODULE_ARGS: { user: 'root', path, manage_dir: false, ...c.args } }));
  const r = spawnSync('/usr/bin/python3', ['-m', 'ansible_collections.ansible.posix.plugins.modules.authorized_key', join(dir, 'args.json')], { encoding: 'utf8' });
  const after = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  // A Python exception (an IndexError) leaves no JSON: a failure too.
  if (!r.stdout.trim().startsWith('{')) return { failed: true, after };
  const out = JSON.parse(r.stdout) as { changed?: boolean; failed?: boolean };
  return out.failed ? { failed: true, after } : { changed: out.changed ?? false, after };
}

test('every case leaves the bytes ansible.posix.authorized_key leaves, and reports the same', () => {
  const wrong: string[] = [];
  const seen = { changed: 0, ok: 0, failed: 0 };
  CASES.forEach((c, i) => {
    const t = theirs(c, i);
    seen[t.failed ? 'failed' : t.changed ? 'changed' : 'ok']++;
    let ours: { changed?: boolean; failed?: boolean; after?: string };
    try {
      const after = authorizedKeysEdit(c.text === undefined ? '' : readAsPython(c.text), c.args);
      ours = { changed: after !== undefined, after: after ?? c.text };
    } catch {
      ours = { failed: true, after: c.text };
    }
    if (JSON.stringify(ours) !== JSON.stringify(t)) wrong.push(`${c.name}:\n    provision: ${JSON.stringify(ours)}\n    ansible:   ${JSON.stringify(t)}`);
  });
  assert.equal(wrong, [], wrong.join('\n'));
  assert.equal(seen, { changed: 17, ok: 6, failed: 2 }, 'the oracle ran every case');
});

test('the refusals say why', () => {
  assert.throws(() => authorizedKeysEdit('', { key: 'not a key' }), /invalid key specified: not a key/);
  assert.throws(() => authorizedKeysEdit('ssh-rsa\n', { key: A }), /no key after it/);
});

test.run();
