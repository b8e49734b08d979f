// service_facts' parsing, as ansible-core 2.14's service_facts.py parses the same commands' output: sysv scripts,
// then systemd units (a failed or not-found unit's leading dot dropped), then unit files (their own status, and the
// ActiveState of those no unit lists).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServices } from '../../facts/service-list.ts';

const OUT = [
  'sysv: [ + ]  cron', 'sysv: [ - ]  hwclock.sh',
  'unit:  UNIT                         LOAD      ACTIVE   SUB     DESCRIPTION',
  'unit:  cron.service                 loaded    active   running Regular background program processing daemon',
  'unit:● nosuch.service               not-found inactive dead    nosuch.service',
  'unit:  ssh.service                  loaded    active   running OpenBSD Secure Shell server',
  'unit:  systemd-journald.service     loaded    active   running Journal Service',
  'unit:LOAD   = Reflects whether the unit definition was properly loaded.',
  'file:UNIT FILE                    STATE           VENDOR PRESET',
  'file:cron.service                 enabled         enabled',
  'file:getty@.service               enabled         enabled',
  'file:nosuch.service               disabled        enabled',
  'file:ssh.service                  enabled         enabled',
  'file:systemd-journald.service     static          -',
  'show:getty@.service inactive', 'show:cron.service active',
].join('\n');

test('as service_facts has them', () => {
  assert.equal(parseServices(OUT), {
    cron: { name: 'cron', state: 'running', source: 'sysv' },
    'hwclock.sh': { name: 'hwclock.sh', state: 'stopped', source: 'sysv' },
    'cron.service': { name: 'cron.service', state: 'running', status: 'enabled', source: 'systemd' },
    'nosuch.service': { name: 'nosuch.service', state: 'stopped', status: 'not-found', source: 'systemd' },
    'ssh.service': { name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' },
    'systemd-journald.service': { name: 'systemd-journald.service', state: 'running', status: 'static', source: 'systemd' },
    'getty@.service': { name: 'getty@.service', state: 'inactive', status: 'enabled', source: 'systemd' },
  });
});

test.run();
