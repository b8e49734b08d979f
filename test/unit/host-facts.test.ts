// The facts snippet's output parsed as Ansible's setup module names and computes them: a host with a default
// route, an lsb_release, two sockets; and what a play that gathers them may read (validate knows the names).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { factVariableNames, factVars, parseFacts } from '../../engine/host-facts.ts';

const OUT = [
  'nodename=web1.example.org', 'fqdn=web1.example.org', 'machine=x86_64', 'kernel=6.1.0-18-amd64', 'system=Linux',
  'os:PRETTY_NAME="Ubuntu 22.04.4 LTS"', 'os:NAME="Ubuntu"', 'os:VERSION_ID="22.04"', 'os:VERSION_CODENAME=jammy', 'os:ID=ubuntu', 'os:ID_LIKE=debian',
  'cpu:processor\t: 0', 'cpu:physical id\t: 0', 'cpu:siblings\t: 4', 'cpu:cpu cores\t: 2',
  'cpu:processor\t: 1', 'cpu:physical id\t: 1', 'cpu:siblings\t: 4', 'cpu:cpu cores\t: 2',
  'mem:MemTotal:        2048000 kB', 'mem:MemFree:          512000 kB', 'mem:SwapTotal:             0 kB',
  'route=8.8.8.8 via 192.0.2.1 dev ens3 src 192.0.2.10 uid 0',
  'addr:1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever', 'addr:2: ens3    inet 192.0.2.10/24 brd 192.0.2.255 scope global ens3',
  'if:ens3', 'if:lo', 'init=systemd', 'systemd=1', 'pkg=apt', 'user=deploy',
  'date=2026|12|03|23|05|09|CET|+0100|Thursday|4|48|1796335509|2026-12-03T22:05:09|123456',
  'lsb:Distributor ID:\tUbuntu', 'lsb:Description:\tUbuntu 22.04.4 LTS', 'lsb:Release:\t22.04', 'lsb:Codename:\tjammy',
  `env=${Buffer.from('HOME=/home/deploy\0PATH=/usr/bin:/bin\0').toString('base64')}`,
].join('\n');

test('parsed as Ansible computes them', () => {
  const f = parseFacts(OUT);
  assert.equal([f.hostname, f.fqdn, f.domain, f.nodename], ['web1', 'web1.example.org', 'example.org', 'web1.example.org']);
  assert.equal([f.os_family, f.distribution, f.distribution_release, f.distribution_version, f.distribution_major_version],
    ['Debian', 'Ubuntu', 'jammy', '22.04', '22']);
  assert.equal([f.processor_vcpus, f.processor_count, f.processor_cores, f.processor_threads_per_core], [2, 2, 2, 2]);
  assert.equal([f.memtotal_mb, f.memfree_mb, f.swaptotal_mb], [2000, 500, 0]);
  assert.equal(f.default_ipv4, { address: '192.0.2.10', interface: 'ens3', alias: 'ens3', gateway: '192.0.2.1' });
  assert.equal(f.all_ipv4_addresses, ['192.0.2.10']);
  assert.equal(f.interfaces, ['ens3', 'lo']);
  assert.equal([f.service_mgr, f.pkg_mgr, f.user_id], ['systemd', 'apt', 'deploy']);
  assert.equal(f.env, { HOME: '/home/deploy', PATH: '/usr/bin:/bin' });
  assert.equal(f.lsb, { id: 'Ubuntu', description: 'Ubuntu 22.04.4 LTS', release: '22.04', codename: 'jammy', major_release: '22' });
  const d = f.date_time as Record<string, string>;
  assert.equal([d.date, d.time, d.tz, d.tz_offset, d.weekday, d.weekday_number, d.weeknumber, d.epoch, d.iso8601, d.iso8601_micro],
    ['2026-12-03', '23:05:09', 'CET', '+0100', 'Thursday', '4', '48', '1796335509', '2026-12-03T22:05:09Z', '2026-12-03T22:05:09.123456Z']);
});

test('a host without a default route or lsb_release: empty, as Ansible has them', () => {
  const f = parseFacts(OUT.replace(/route=.*/, 'route=').replace(/lsb:.*\n/g, ''));
  assert.equal([f.default_ipv4, f.lsb], [{}, {}]);
});

test('as variables: ansible_facts.NAME and ansible_NAME', () => {
  const v = factVars(parseFacts(OUT));
  assert.is((v.ansible_facts as Record<string, unknown>).os_family, 'Debian');
  assert.is(v.ansible_os_family, 'Debian');
  assert.equal(Object.keys(v).sort(), factVariableNames().sort());
});

test.run();
