// apt's package names: what the schema lets through to apt-get's command line, and how the apt facts read
// architecture-qualified names (libc6:amd64 is the native libc6; libc6:i386 is another package).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aptCandidatesFact, debPackagesFact } from '../../facts/debs.ts';
import { validate } from '../../engine/validate.ts';
import apt from '../../modules/apt.ts';

const ok = (name: string) => validate(apt.schema, { name }).length === 0;

test('Debian names, with an architecture and a version, pass', () => {
  for (const n of ['nginx', 'libc6:amd64', 'libc6:i386', 'nginx=1.22.1-9', 'zlib1g=1:1.2.13.dfsg-1', 'libc6:i386=2.36-9+deb12u4',
    'libstdc++6', 'g++', 'python3.11', 'xz-utils', '0ad', 'nodejs=18.19.0+dfsg-6~deb12u1']) assert.ok(ok(n), n);
});

test('shell text, options, spaces and what is not a Debian name are refused', () => {
  for (const n of ['nginx; rm -rf /', '$(reboot)', '`reboot`', 'nginx&&reboot', 'nginx|sh', 'nginx >/etc/passwd', '-oDebug::pkgProblemResolver=1',
    '--reinstall', 'a', 'Nginx', 'nginx=', 'nginx=$(reboot)', 'nginx=1.0;reboot', 'nginx=1.0 extra', 'nginx=v1', 'nginx:', 'nginx:amd64:i386',
    'nginx:$(id)', 'nginx\n', 'nginx\nreboot', 'nginx/bookworm', '', ' nginx', 'nginx\0']) assert.not.ok(ok(n), JSON.stringify(n));
});

test('a list is checked item by item, each problem at its index', () => {
  const problems = validate(apt.schema, { name: ['nginx', 'curl; touch /tmp/pwned', 'libc6:amd64', '$(reboot)'] });
  assert.equal(problems.map((p) => p.path), ['/name/1', '/name/3']);
  assert.match(problems[0].message, /"name\.1" must be a Debian package name/);
});

test('debs: a native or "all" package by its name and as name:NATIVE, a foreign one only as name:ARCH', () => {
  const out = ['native\tamd64', 'ii \tadduser\t3.134\tall', 'ii \tlibc6\t2.36-9+deb12u4\tamd64', 'ii \tlibc6\t2.36-9+deb12u4\ti386',
    'ii \tlibgcc-s1\t12.2.0-14\ti386', 'rc \tgone\t1.0\tamd64', ''].join('\n');
  assert.equal(debPackagesFact().parse(out, 0), {
    adduser: '3.134', 'adduser:amd64': '3.134', libc6: '2.36-9+deb12u4', 'libc6:amd64': '2.36-9+deb12u4', 'libc6:i386': '2.36-9+deb12u4',
    'libgcc-s1:i386': '12.2.0-14',
  });
});

test('debs: without dpkg --print-architecture every package is listed by its name, as before', () => {
  assert.equal(debPackagesFact().parse('native\t\nii \tnginx\t1.22.1-9\tamd64\n', 0), { nginx: '1.22.1-9' });
});

test('apt candidates: apt-cache heads a native-qualified name by the bare name, a foreign one by name:arch', () => {
  const out = ['native\tamd64', 'libc6:', '  Installed: 2.36-9', '  Candidate: 2.36-9+deb12u4', 'libc6:i386:', '  Installed: (none)',
    '  Candidate: 2.36-9+deb12u4', 'nginx:', '  Installed: (none)', '  Candidate: (none)', ''].join('\n');
  const f = aptCandidatesFact(['libc6:amd64', 'libc6:i386', 'nginx', 'nosuch', 'libc6:arm64']);
  assert.equal(f.parse(out, 0), { 'libc6:amd64': '2.36-9+deb12u4', 'libc6:arm64': undefined, 'libc6:i386': '2.36-9+deb12u4', nginx: undefined, nosuch: undefined });
});

test.run();
