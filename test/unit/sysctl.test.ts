// sysctl's decision (modules/sysctl/decide.ts), with ansible.posix's own sysctl module as the oracle: each case is
// run by /usr/bin/python3 -m ansible_collections.ansible.posix.plugins.modules.sysctl on a temp file, with a
// stand-in `sysctl` program first on PATH (it prints the running value the case gives, and logs what it is asked to
// set or apply); the file it leaves, what it reports changed, what it ran (sysctl -w NAME=VALUE, sysctl -p) and its
// refusals must be provision's: values compared as text in the file and word by word in the kernel, booleans,
// a file's comments, spacing, duplicates and CRLF rewritten as Ansible rewrites them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type SysctlArgs, parseValue, sysctlDecide, valuesEqual } from '../../modules/sysctl/decide.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysctl-'));
const bin = join(dir, 'bin');
mkdirSync(bin);
const LOG = join(dir, 'log');
const PROC = join(dir, 'proc');
// sysctl [-e] -n NAME: the case's running value (exit 1 when it has none); -w and -p: logged.
writeFileSync(join(bin, 'sysctl'), `#!/bin/sh
while [ "$1" = -e ]; do shift; done
case "$1" in
  -n) [ -f ${PROC} ] || exit 1; exec cat ${PROC};;
  -w) echo "set $2" >> ${LOG};;
  -p) echo "reload" >> ${LOG};;
esac
`);
chmodSync(join(bin, 'sysctl'), 0o755);

const CONF = '# kernel\nnet.ipv4.ip_forward = 1\n; old style comment\nvm.swappiness=60\n\n';
type Case = { name: string; text?: string; proc?: string; args: SysctlArgs };
const CASES: Case[] = [
  { name: 'a new key, no file', args: { name: 'vm.swappiness', value: '10', reload: false } },
  { name: 'a new key into a file', text: CONF, args: { name: 'fs.file-max', value: 100000, reload: false } },
  { name: 'true is 1: the same', text: CONF, args: { name: 'net.ipv4.ip_forward', value: true, reload: false } },
  { name: 'yes is 1: the same', text: CONF, args: { name: 'net.ipv4.ip_forward', value: 'Yes', reload: false } },
  { name: 'off is 0: changed', text: CONF, args: { name: 'net.ipv4.ip_forward', value: 'off', reload: false } },
  { name: 'the same, reload, the kernel agrees', text: CONF, proc: '1\n', args: { name: 'net.ipv4.ip_forward', value: '1' } },
  { name: 'the same, reload, the kernel differs', text: CONF, proc: '0\n', args: { name: 'net.ipv4.ip_forward', value: '1' } },
  { name: 'the same, reload, the kernel unreadable', text: CONF, args: { name: 'net.ipv4.ip_forward', value: '1' } },
  { name: 'tabs in the kernel, spaces in the file', text: 'net.ipv4.tcp_rmem = 4096 87380 6291456\n', proc: '4096\t87380\t6291456\n', args: { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' } },
  { name: 'tabs in the value, spaces in the file: rewritten', text: 'net.ipv4.tcp_rmem = 4096 87380 6291456\n', proc: '4096\t87380\t6291456\n', args: { name: 'net.ipv4.tcp_rmem', value: '4096\t87380\t6291456' } },
  { name: 'sysctl_set, the kernel differs', text: CONF, proc: '30\n', args: { name: 'vm.swappiness', value: '60', sysctl_set: true } },
  { name: 'sysctl_set, the kernel agrees', text: CONF, proc: '60\n', args: { name: 'vm.swappiness', value: '60', sysctl_set: true, reload: false } },
  { name: 'sysctl_set, the kernel unreadable', text: CONF, args: { name: 'vm.swappiness', value: '60', sysctl_set: true, reload: false } },
  { name: 'sysctl_set with ignoreerrors, a new value', text: CONF, proc: '60\n', args: { name: 'vm.swappiness', value: ' 5 ', sysctl_set: true, ignoreerrors: true } },
  { name: 'absent', text: CONF, proc: '60\n', args: { name: 'vm.swappiness', state: 'absent' } },
  { name: 'absent, not there', text: CONF, args: { name: 'kernel.panic', state: 'absent', reload: false } },
  { name: 'absent, an empty value in the file', text: 'kernel.panic=\n', proc: '0\n', args: { name: 'kernel.panic', state: 'absent' } },
  { name: 'a messy file rewritten', text: '  # c\r\nvm.a = 1\r\nvm.a=2\nno equals here\n\t;x=1\nvm.b  =  3 4 \n', args: { name: 'vm.c', value: '9', reload: false } },
  { name: 'a key given twice, the last one read', text: 'vm.a = 1\nvm.a = 2\n', args: { name: 'vm.a', value: '2', reload: false } },
  { name: 'spaces around the name', text: CONF, args: { name: ' vm.swappiness ', value: '60', reload: false } },
  { name: 'refused: a blank value', text: CONF, args: { name: 'vm.swappiness', value: '', reload: false } },
  { name: 'refused: a blank name', text: CONF, args: { name: '', value: '1', reload: false } },
];

type Outcome = { changed?: boolean; failed?: string; ran?: string[]; after?: string };

function theirs(c: Case, i: number): Outcome {
  const path = join(dir, `conf${i}`);
  for (const f of [path, LOG, PROC]) rmSync(f, { force: true });
  if (c.text !== undefined) writeFileSync(path, c.text);
  if (c.proc !== undefined) writeFileSync(PROC, c.proc);
  writeFileSync(join(dir, 'args.json'), JSON.stringify({ ANSIBLE_MODULE_ARGS: { ...c.args, sysctl_file: path } }));
  const r = spawnSync('/usr/bin/python3', ['-m', 'ansible_collections.ansible.posix.plugins.modules.sysctl', join(dir, 'args.json')],
    { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  const out = JSON.parse(r.stdout) as { changed?: boolean; failed?: boolean; msg?: string };
  const after = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (out.failed) return { failed: out.msg, after };
  return { changed: out.changed, ran: existsSync(LOG) ? readFileSync(LOG, 'utf8').trim().split('\n') : [], after };
}

function ours(c: Case): Outcome {
  try {
    const d = sysctlDecide(c.text ?? '', c.proc ?? null, { reload: true, ...c.args });
    const ran = [...(d.setProc ? [`set ${d.name}=${d.value}`] : []), ...(d.reload ? ['reload'] : [])];
    return { changed: d.changed, ran, after: d.writeFile ? d.text : c.text };
  } catch (err) {
    return { failed: (err as Error).message, after: c.text };
  }
}

test('every case: the file, the status and the commands of Ansible\'s sysctl', () => {
  const wrong: string[] = [];
  const seen = { changed: 0, ok: 0, failed: 0 };
  CASES.forEach((c, i) => {
    const t = theirs(c, i);
    seen[t.failed ? 'failed' : t.changed ? 'changed' : 'ok']++;
    const o = ours(c);
    if (JSON.stringify(o) !== JSON.stringify(t)) wrong.push(`${c.name}:\n    provision: ${JSON.stringify(o)}\n    ansible:   ${JSON.stringify(t)}`);
  });
  assert.equal(wrong, [], wrong.join('\n'));
  assert.equal(seen, { changed: 12, ok: 8, failed: 2 }, 'the oracle ran every case');
});

test('values as Ansible parses and compares them', () => {
  assert.equal([true, false, 'on', 'F', 5, ' a b '].map((v) => parseValue(v)), ['1', '0', '1', '0', '5', 'a b']);
  assert.ok(valuesEqual('1\t2\n', '1 2'));
  assert.not.ok(valuesEqual('1 2', '1 2 3'));
  assert.not.ok(valuesEqual(null, ''));
});

test.run();
