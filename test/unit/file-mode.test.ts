// File modes in every form Ansible takes (modules/file-mode.ts), against Ansible's own code: each symbolic mode is
// also applied by ansible.module_utils.basic.AnsibleModule._symbolic_mode_to_octal, run on this machine with the
// same starting mode, kind of path and umask, and the two results must be equal (errors included).
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../engine/validate.ts';
import { SYMBOLIC_CHMOD_PY, modeSchema, octal, resolveMode } from '../../modules/file-mode.ts';

type Case = { mode: string; prev: string; dir: boolean; umask: number };

const ORACLE = `
import json, os, stat, sys
from ansible.module_utils.basic import AnsibleModule
class St: pass
out = []
for c in json.load(sys.stdin):
    s = St(); s.st_mode = (stat.S_IFDIR if c['dir'] else stat.S_IFREG) | int(c['prev'], 8)
    os.umask(c['umask'])
    try:
        out.append('%04o' % AnsibleModule._symbolic_mode_to_octal(s, c['mode']))
    except Exception:
        out.append('error')
print(json.dumps(out))
`;
const ansible = (cases: Case[]): string[] => JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify(cases) }).toString());
const ours = (c: Case): string => {
  try {
    return resolveMode(c.mode, { mode: c.prev, directory: c.dir }, c.umask);
  } catch {
    return 'error';
  }
};

const WRITTEN = ['u=rw,g=r,o=r', 'u+x', 'a-w', '+x', '-w', '=r', 'u=rwX,g=rX,o=rX', 'ug+s', 'o+t', 'g=u', 'o=g-w', 'u=rw-x+X',
  'a=', 'u+rwx,g-rwx,o-rwx', 'go=', '+t', 'u+s,g+s,o+s', 'uo+t', 'a+X', 'g+u', 'ua+x', 'u+q', 'u=rw,', ''];

test('symbolic modes people write: as Ansible applies them, on files and directories, under two umasks', () => {
  const cases: Case[] = [];
  for (const mode of WRITTEN) for (const prev of ['0644', '0755', '0600', '4750', '1777', '0000']) for (const dir of [false, true]) for (const umask of [0o022, 0o077]) cases.push({ mode, prev, dir, umask });
  const theirs = ansible(cases);
  cases.forEach((c, i) => assert.is(ours(c), theirs[i], JSON.stringify(c)));
});

test('random symbolic modes: as Ansible applies them', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const pick = (s: string, max: number) => Array.from({ length: rnd(max + 1) }, () => s[rnd(s.length)]).join('');
  const clause = () => `${rnd(5) === 0 ? 'a' : pick('ugo', 3)}${Array.from({ length: 1 + rnd(3) }, () => '+-='[rnd(3)] + (rnd(4) === 0 ? 'ugo'[rnd(3)] : pick('rwxXst', 4))).join('')}`;
  const cases: Case[] = Array.from({ length: 400 }, () => ({
    mode: Array.from({ length: 1 + rnd(3) }, clause).join(','),
    prev: rnd(0o10000).toString(8).padStart(4, '0'), dir: rnd(2) === 1, umask: [0o022, 0o002, 0o077, 0o027][rnd(4)],
  }));
  const theirs = ansible(cases);
  cases.forEach((c, i) => assert.is(ours(c), theirs[i], JSON.stringify(c)));
});

test('the same in Python, as unarchive applies it on the host: as Ansible applies them', () => {
  let seed = 13;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const pick = (s: string, max: number) => Array.from({ length: rnd(max + 1) }, () => s[rnd(s.length)]).join('');
  const clause = () => `${rnd(5) === 0 ? 'a' : pick('ugo', 3)}${Array.from({ length: 1 + rnd(3) }, () => '+-='[rnd(3)] + (rnd(4) === 0 ? 'ugo'[rnd(3)] : pick('rwxXst', 4))).join('')}`;
  const cases: Case[] = [...WRITTEN.slice(0, 12).map((mode, i) => ({ mode, prev: ['0644', '0755', '4750'][i % 3], dir: i % 2 === 0, umask: 0o027 })),
    ...Array.from({ length: 300 }, () => ({ mode: Array.from({ length: 1 + rnd(3) }, clause).join(','), prev: rnd(0o10000).toString(8).padStart(4, '0'), dir: rnd(2) === 1, umask: [0o022, 0o077][rnd(2)] }))];
  const program = `${SYMBOLIC_CHMOD_PY.replace("if __name__ == '__main__':", 'if False:')}
import json
out = []
for c in json.load(sys.stdin):
    try:
        out.append('%04o' % resolve(c['mode'], int(c['prev'], 8), c['dir'], c['umask']))
    except Exception:
        out.append('error')
print(json.dumps(out))
`;
  const python: string[] = JSON.parse(execFileSync('/usr/bin/python3', ['-c', program], { input: JSON.stringify(cases) }).toString());
  const theirs = ansible(cases);
  cases.forEach((c, i) => assert.is(python[i], theirs[i], JSON.stringify(c)));
});

test('octal modes: strings as Python int(x, 8) reads them, integers by value', () => {
  assert.is(octal('0644'), '0644');
  assert.is(octal('644'), '0644');
  assert.is(octal('0o755'), '0755');
  assert.is(octal('4755'), '4755');
  assert.is(octal(0o640), '0640');
  assert.is(octal(644), '1204', 'an unquoted 644 is the decimal number 644, as under Ansible');
  assert.is(resolveMode('0600', { mode: '0644', directory: false }), '0600');
});

test('the schema: octal, symbolic and integer modes pass; other text and large numbers are refused', () => {
  for (const ok of ['0644', '644', '0o644', 'u=rw,g=r,o=r', 'a+X', '+x', 0o755]) assert.is(validate(modeSchema, ok).length, 0, String(ok));
  for (const bad of ['0999', 'rw-r--r--', 'u=rw;touch /x', 'preserve', 0o10000, '']) assert.ok(validate(modeSchema, bad).length > 0, String(bad));
});

test.run();
