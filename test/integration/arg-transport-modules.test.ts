// Property test of module arguments on a real host, through `provision apply`: random strings (quotes, $(),
// backticks, newlines, control characters, unicode, leading dashes: test/helpers/random-args.ts) as the free-text
// arguments of the modules that hand them to the host: paths, contents, lines, comments, values, header values
// and bodies. What arrives (read on the host, or by an HTTP server there that keeps each request's raw bytes)
// must equal what was sent, as Ansible's module would leave it; no injected command runs. Where a schema refuses
// a character, only accepted strings are sent, and the refusal itself is checked to be clean (exit 4, nothing run).
// The transport under every module (steps, batches, sudo): arg-transport.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { randomArgs } from '../helpers/random-args.ts';

const test = suite('module argument transport');
let ssh: SshConnection[] = [];
let lab: TestLab;
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const CASES = Number(process.env.PROPERTY_CASES ?? 150);
const PWNED = '/tmp/am-pwned';
const PORT = 8791;
const { word, fileName } = randomArgs(SEED, PWNED);

useLab(test, 'am', 1, (l, s) => { lab = l; ssh = s; });

const dir = mkdtempSync(join(tmpdir(), 'am-'));
const split = (out: string) => out.split('\0').slice(0, -1);
/** A shell word for sh(): the test's own reads on the host. */
const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
const y = JSON.stringify; // JSON strings are YAML strings
/** Text a playbook holds as data: no template syntax (that is rendered, by design), no NUL (refused). */
const data = (s: string) => !/\{[{%#]/.test(s) && !s.includes('\0');
const oneLine = (s: string) => s.replace(/[\r\n]/g, ' ');

/** A playbook of these tasks applied to the lab host; its exit code and output. */
async function apply(tasks: string[], name = 'site.yml') {
  const pb = join(dir, name);
  writeFileSync(pb, `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`);
  return provision(['apply', pb, '-i', lab.inventory]);
}
const task = (name: string, body: string) => `    - name: ${y(name)}\n      ${body}`;

// The HTTP server get_url and uri talk to: each request's head and body kept raw, as files named by its path.
const SERVER = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${PORT})); s.listen(16)
while True:
    c, _ = s.accept(); f = c.makefile('rb'); head = b''
    while True:
        line = f.readline()
        if line in (b'\\r\\n', b'\\n', b''): break
        head += line
    n = [int(l.split(b':', 1)[1]) for l in head.split(b'\\r\\n') if l.lower().startswith(b'content-length:')]
    body = f.read(n[0]) if n else b''
    name = head.split(b' ')[1].decode().strip('/').replace('/', '-')
    open('/tmp/am/http/%s.head' % name, 'wb').write(head); open('/tmp/am/http/%s.body' % name, 'wb').write(body)
    out = ('body of ' + name).encode()
    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(out) + out); c.close()
`;
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIGw1WmtCfgIQvWv3QrqJv5eKG7T3iA1p1q7bTt9NfVbU';
let keyData = '';
let keyFingerprint = '';
let repoHead = '';

test.before(async () => {
  const r = await apply([task('tools', 'apt: { name: [cron, git, gnupg], update_cache: true, cache_valid_time: 3600 }')], 'tools.yml');
  assert.is(r.code, 0, r.stdout + r.stderr);
  await sh(ssh[0], `rm -rf ${PWNED} /tmp/am && mkdir -p /tmp/am/http /tmp/am/keys /tmp/am/src/top && echo hello > /tmp/am/src/top/hello`
    + ' && tar -C /tmp/am/src -cf /tmp/am/archive.tar top'
    + ' && git init -q -b main /tmp/am/repo && git -C /tmp/am/repo -c user.name=am -c user.email=am@example.invalid commit -q --allow-empty -m one'
    + ` && printf %s ${q(SERVER)} > /tmp/am/server.py && systemd-run --quiet --unit=am-http python3 /tmp/am/server.py`
    + ` && gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key am@example.invalid ed25519 default never 2>/dev/null`);
  repoHead = (await sh(ssh[0], 'git -C /tmp/am/repo rev-parse HEAD')).trim();
  keyData = await sh(ssh[0], 'gpg --armor --export am@example.invalid');
  keyFingerprint = (await sh(ssh[0], "gpg --with-colons --list-keys am@example.invalid | awk -F: '$1 == \"fpr\" { print $10; exit }'")).trim();
});

test('module arguments end to end: random names, contents and lines through file, copy, lineinfile, blockinfile, cron, stat, wait_for and command on the host', async () => {
  const cases = Array.from({ length: Math.max(4, Math.round(CASES / 15)) }, () => ({ name: fileName(), content: word(12), line: oneLine(word(6)), arg: word() }))
    .filter((c) => [c.name, c.content, c.line, c.arg].every(data));
  const tasks = cases.flatMap((c, i) => [
    task(`touch ${i}`, `file: { path: ${y(`/tmp/am/mod/t-${c.name}`)}, state: touch }`),
    task(`copy ${i}`, `copy: { content: ${y(c.content)}, dest: ${y(`/tmp/am/mod/c-${i}`)} }`),
    task(`line ${i}`, `lineinfile: { path: /tmp/am/mod/lines, line: ${y(c.line)}, create: true }`),
    task(`argv ${i}`, `command: { argv: [sh, -c, 'printf "%s\\0" "$1" >> /tmp/am/mod/argv', argv, ${y(c.arg)}] }`),
    task(`block ${i}`, `blockinfile: { path: ${y(`/tmp/am/mod/b-${i}`)}, create: true, block: ${y(c.content)} }`),
    // Its jobs are written disabled: cron would run a job holding `touch /tmp/am-pwned` (as it should: a job is a
    // command), which is no injection.
    task(`cron ${i}`, `cron: { name: ${y(c.line)}, job: ${y(c.line)}, user: root, cron_file: ${y(`am-${i}`)}, disabled: true }`),
    `${task(`stat ${i}`, `stat: { path: ${y(`/tmp/am/mod/t-${c.name}`)} }`)}\n      register: st`,
    task(`seen ${i}`, 'assert: { that: [st.stat.exists, st.stat.isreg] }'),
    task(`wait ${i}`, `wait_for: { path: ${y(`/tmp/am/mod/c-${i}`)}, timeout: 5 }`),
  ]);
  const r = await apply([task('dir', 'file: { path: /tmp/am/mod, state: directory }'), ...tasks]);
  assert.is(r.code, 0, `seed ${SEED}: ${r.stdout}${r.stderr}`);
  const names = split(await sh(ssh[0], "find /tmp/am/mod -maxdepth 1 -name 't-*' -printf '%f\\0'")).sort();
  assert.equal(names, [...new Set(cases.map((c) => `t-${c.name}`))].sort(), `seed ${SEED}`);
  for (const [i, c] of cases.entries()) assert.is(await sh(ssh[0], `cat /tmp/am/mod/c-${i}`), c.content, `seed ${SEED} copy ${i}`);
  assert.equal((await sh(ssh[0], 'cat /tmp/am/mod/lines')).split('\n').slice(0, -1), [...new Set(cases.map((c) => c.line))], `seed ${SEED}`);
  assert.equal(split(await sh(ssh[0], 'cat /tmp/am/mod/argv')), cases.map((c) => c.arg), `seed ${SEED}`);
  for (const [i, c] of cases.entries()) {
    const block = await sh(ssh[0], `cat /tmp/am/mod/b-${i}`);
    assert.ok(block.includes(`${c.content.replace(/\n$/, '')}\n`), `seed ${SEED} block ${i}: ${y(block)}`);
    const cron = await sh(ssh[0], `cat /etc/cron.d/am-${i}`);
    assert.ok(cron.includes(`#Ansible: ${c.line}\n`) && cron.includes(` root ${c.line}\n`), `seed ${SEED} cron ${i}: ${y(cron)}`);
  }
});

/** Python's re.escape. */
const reEscape = (s: string) => s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
/** Python's str.strip(): Unicode whitespace (str.isspace) at both ends. */
const pyStrip = (s: string) => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');
/** The value Ansible's sysctl writes: a boolean word as 1 or 0, anything else stripped. */
const sysctlValue = (v: string) => (['y', 'yes', 'on', '1', 'true', 't'].includes(v.toLowerCase()) ? '1' : ['n', 'no', 'off', '0', 'false', 'f'].includes(v.toLowerCase()) ? '0' : pyStrip(v));
/** An HTTP header value as http.client sends it: latin-1 only, no line break. */
const latin1 = (s: string) => s.replace(/[\r\n]|[^\x00-\xff]/gu, '.');

test('replace, sysctl, debconf, authorized_key and user: literals, values, comments and paths arrive as sent', async () => {
  // First, strings that broke provision before: an escaped literal of re.escape's blanks and signs, backslashes in a
  // comment (read back through a shell's echo), blanks around an answer (debconf-show's are stripped, so Ansible sets
  // it again on every run), a boolean word with blanks (Ansible's sysctl compares before it strips).
  const fixed = { name: 'fixed \\c', text: 'a\n', needle: 'x- #&~\\z', repl: '\\1 $&', value: ' yes ', answer: ' lead\\c ', line: ' a\\b', gecos: 'a\\\\b\\c' };
  const cases = [fixed, ...Array.from({ length: Math.max(3, Math.round(CASES / 25)) }, (_, i) => ({
    name: `${i}${fileName()}`, text: word(8), needle: `${word(3)}x`, repl: word(4), value: oneLine(word(5)), answer: word(5).replace(/\n/g, ' '), line: oneLine(word(5)), gecos: word(5).replace(/[\x00-\x1f\x7f:]/g, ';'),
  }))].filter((c) => Object.values(c).every(data));
  const tasks = cases.flatMap((c, i) => [
    task(`text ${i}`, `copy: { content: ${y(`${c.text}${c.needle}${c.text}${c.needle}`)}, dest: ${y(`/tmp/am/r-${c.name}`)} }`),
    // The needle as a literal (re.escape, as regex_escape writes it), the replacement's backslashes doubled.
    task(`replace ${i}`, `replace: { path: ${y(`/tmp/am/r-${c.name}`)}, regexp: ${y(reEscape(c.needle))}, replace: ${y(c.repl.replace(/\\/g, '\\\\'))} }`),
    // A key the kernel does not have, so not set there (reload false): sysctl_file is written all the same.
    task(`sysctl ${i}`, `sysctl: { name: am.k${i}, value: ${y(c.value)}, sysctl_file: ${y(`/tmp/am/s-${oneLine(c.name)}`)}, reload: false }`),
    task(`debconf ${i}`, `debconf: { name: am-test, question: am/q${i}, vtype: string, value: ${y(c.answer)} }`),
    task(`key ${i}`, `authorized_key: { user: root, key: ${y(`ssh-ed25519 ${KEY} old`)}, comment: ${y(c.line)}, path: ${y(`/tmp/am/keys/k-${oneLine(c.name)}`)}, manage_dir: false, exclusive: true }`),
    task(`user ${i}`, `user: { name: amu${i}, comment: ${y(c.gecos)}, create_home: false }`),
  ]);
  const r = await apply(tasks);
  assert.is(r.code, 0, `seed ${SEED}: ${r.stdout}${r.stderr}`);
  for (const [i, c] of cases.entries()) {
    const at = `seed ${SEED} case ${i}`;
    const text = `${c.text}${c.needle}${c.text}${c.needle}`;
    assert.is(await sh(ssh[0], `cat ${q(`/tmp/am/r-${c.name}`)}`), text.split(c.needle).join(c.repl), `${at} replace`);
    assert.is(await sh(ssh[0], `cat ${q(`/tmp/am/s-${oneLine(c.name)}`)}`), `am.k${i}=${sysctlValue(c.value)}\n`, `${at} sysctl`);
    // debconf-set-selections drops a carriage return at the end of its line (Ansible's module hands it the same line).
    assert.is(await sh(ssh[0], `echo GET am/q${i} | debconf-communicate am-test`), `0 ${c.answer.replace(/\r$/, '')}\n`, `${at} debconf`);
    assert.is(await sh(ssh[0], `cat ${q(`/tmp/am/keys/k-${oneLine(c.name)}`)}`), `ssh-ed25519 ${KEY} ${c.line}\n`, `${at} authorized_key`);
    assert.is((await sh(ssh[0], `getent passwd amu${i}`)).split(':')[4], c.gecos, `${at} user comment`);
  }
});

test('get_url, uri, unarchive, git, apt_key and apt_repository: destinations, headers, bodies, keyrings and file names arrive as sent', async () => {
  const cases = Array.from({ length: Math.max(3, Math.round(CASES / 25)) }, (_, i) => ({
    // Each name begins with the case's number: two cases never share a path.
    name: `${i}${fileName()}`, header: latin1(word(5)), body: word(10), list: `${i}${oneLine(fileName())}`, git: `${i}${fileName().replace(/\n/g, ' ')}`,
    // gpg reads a keyring named with a ':' as a resource URL and refuses it; apt-key drops a trailing newline from
    // the path and its echo reads backslashes: apt-key fails, under Ansible too (provision refuses the last two).
    keyring: `${i}${fileName().replace(/:/g, ';').replace(/\\/g, '_').replace(/\n+$/, '')}`,
  })).map((c) => ({
    // GNU tar reads backslash escapes in -C's directory: Ansible's unarchive fails there too (provision refuses it).
    ...c, unpack: c.name.replace(/\\/g, '_'),
  })).filter((c) => Object.values(c).every(data));
  const tasks = cases.flatMap((c, i) => [
    task(`get ${i}`, `get_url: { url: "http://127.0.0.1:${PORT}/get/${i}", dest: ${y(`/tmp/am/g-${c.name}`)}, headers: { X-Am: ${y(c.header)} } }`),
    task(`uri ${i}`, `uri: { url: "http://127.0.0.1:${PORT}/uri/${i}", method: POST, body: ${y(c.body)}, headers: { X-Am: ${y(c.header)} } }`),
    task(`dest ${i}`, `file: { path: ${y(`/tmp/am/u-${c.unpack}`)}, state: directory }`),
    task(`unarchive ${i}`, `unarchive: { src: /tmp/am/archive.tar, remote_src: true, dest: ${y(`/tmp/am/u-${c.unpack}`)} }`),
    task(`git ${i}`, `git: { repo: /tmp/am/repo, dest: ${y(`/tmp/am/git-${c.git}`)} }`),
    task(`apt_key ${i}`, `apt_key: { id: ${keyFingerprint}, data: ${y(keyData)}, keyring: ${y(`/tmp/am/kr-${c.keyring}`)} }`),
    task(`apt_repository ${i}`, `apt_repository: { repo: "deb http://am.invalid/r${i} bookworm main", filename: ${y(c.list)}, update_cache: false }`),
  ]);
  const r = await apply(tasks);
  assert.is(r.code, 0, `seed ${SEED}: ${r.stdout}${r.stderr}`);
  // urllib writes the header's name title-cased (X-Am), then ': ' and the value as given.
  const header = (head: string) => head.split('\r\n').find((l) => l.toLowerCase().startsWith('x-am: '))?.slice('x-am: '.length);
  for (const [i, c] of cases.entries()) {
    const at = `seed ${SEED} case ${i}`;
    assert.is(await sh(ssh[0], `cat ${q(`/tmp/am/g-${c.name}`)}`), `body of get-${i}`, `${at} get_url dest`);
    assert.is(header(Buffer.from(await sh(ssh[0], `base64 -w0 /tmp/am/http/get-${i}.head`), 'base64').toString('latin1')), c.header, `${at} get_url header`);
    assert.is(header(Buffer.from(await sh(ssh[0], `base64 -w0 /tmp/am/http/uri-${i}.head`), 'base64').toString('latin1')), c.header, `${at} uri header`);
    assert.is(await sh(ssh[0], `cat /tmp/am/http/uri-${i}.body`), c.body, `${at} uri body`);
    assert.is(await sh(ssh[0], `cat ${q(`/tmp/am/u-${c.unpack}/top/hello`)}`), 'hello\n', `${at} unarchive`);
    assert.is((await sh(ssh[0], `git -C ${q(`/tmp/am/git-${c.git}`)} rev-parse HEAD`)).trim(), repoHead, `${at} git`);
    assert.match(await sh(ssh[0], `gpg --no-default-keyring --keyring ${q(`/tmp/am/kr-${c.keyring}`)} --with-colons --list-keys`), `:${keyFingerprint}:`, `${at} apt_key`);
    assert.is(await sh(ssh[0], `cat ${q(`/etc/apt/sources.list.d/${c.list}.list`)}`), `deb http://am.invalid/r${i} bookworm main\n`, `${at} apt_repository`);
  }
});

test('what a schema refuses is refused before anything runs, with the argument named', async () => {
  const refused: Array<[string, string]> = [
    [`user: { name: amx, comment: ${y(`a:$(touch ${PWNED})`)} }`, 'comment'],
    [`sysctl: { name: am.x, value: ${y(`1\n$(touch ${PWNED})`)}, reload: false }`, 'value'],
    [`debconf: { name: am-test, question: am/x, vtype: string, value: ${y(`a\n$(touch ${PWNED})`)} }`, 'value'],
    [`authorized_key: { user: root, key: ${y(`ssh-ed25519 ${KEY}`)}, comment: ${y(`a\rb$(touch ${PWNED})`)} }`, 'comment'],
    [`apt_repository: { repo: "deb http://am.invalid/x bookworm main", filename: ${y(`a/$(touch ${PWNED})`)} }`, 'filename'],
  ];
  for (const [body, arg] of refused) {
    const r = await apply([task('refused', body)], 'refused.yml');
    assert.is(r.code, 4, `${body}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, `"${arg}"`, body);
  }
});

test('no injected command ran', async () => {
  assert.is((await ssh[0].exec(`test -e ${PWNED}`)).code, 1, `${PWNED} exists: a fragment ran as a command (seed ${SEED})`);
});

test.run();
