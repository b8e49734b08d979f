// The README's demo command, run as a user runs it.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NAMES } from '../../engine/lab/paths.ts';
import { loadState } from '../../engine/lab/state.ts';
import { provision } from '../helpers/cli.ts';

test('provision demo brings up 2 droplets, shows each running, and removes them', async () => {
  const r = await provision(['demo']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /10\.233\.1\.\d+\tdemo-1 Debian GNU\/Linux 12 \(bookworm\) systemd:running\n/);
  assert.match(r.stdout, /10\.233\.1\.\d+\tdemo-2 Debian GNU\/Linux 12 \(bookworm\) systemd:running\n/);
  assert.match(r.stdout, /lab removed\n$/);
  const left = Object.values(loadState().hosts);
  assert.is(left.filter((h) => h.prefix === 'demo').length, 0);
  if (left.length === 0) assert.not.ok(existsSync(`/run/netns/${NAMES.hubNs}`), 'the hub outlived the last host');
});

test.run();
