// Lab subnets: the addresses a /16 gives, and every other subnet refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addr, conflictingRoute, mac, parseSubnet } from '../../lab/network.ts';

test('a /16 gives the controller, bridge and host addresses', () => {
  const s = parseSubnet('10.233.0.0/16');
  assert.is(addr.controller(s), '10.233.0.1');
  assert.is(addr.bridge(s), '10.233.0.254');
  assert.is(addr.host(s, 7), '10.233.1.7');
});

test('anything but an IPv4 /16 is refused with exit 4', () => {
  for (const bad of ['10.233.0.0/24', '10.233.1.0/16', '300.1.0.0/16', 'lab']) {
    try {
      parseSubnet(bad);
      assert.unreachable(bad);
    } catch (err) {
      assert.match((err as Error).message, /is not an IPv4 \/16/);
      assert.is((err as { exitCode: number }).exitCode, 4);
    }
  }
});

test('MACs are fixed per host and distinct', () => {
  assert.is(mac.host(1), '02:50:4c:00:00:01');
  assert.is(mac.host(254), '02:50:4c:00:00:fe');
  assert.is.not(mac.host(3), mac.hostHubSide(3));
});

test('a route inside, around or across the subnet conflicts; the lab route and default do not', () => {
  const s = parseSubnet('10.233.0.0/16');
  assert.is(conflictingRoute(s, [{ dst: 'default', dev: 'eth0' }, { dst: '192.0.2.0/24', dev: 'eth0' }]), undefined);
  assert.is(conflictingRoute(s, [{ dst: '10.233.0.0/16', dev: 'plroot' }]), undefined);
  assert.is(conflictingRoute(s, [{ dst: '10.233.5.0/24', dev: 'wg0' }])?.dev, 'wg0');
  assert.is(conflictingRoute(s, [{ dst: '10.0.0.0/8', dev: 'tun0' }])?.dev, 'tun0');
  assert.is(conflictingRoute(s, [{ dst: '10.234.0.0/16', dev: 'tun0' }]), undefined);
  assert.is(conflictingRoute(s, [{ dst: '10.233.9.9', dev: 'eth1' }])?.dst, '10.233.9.9');
});

test.run();
