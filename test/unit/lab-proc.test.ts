// The lab's PID checks: a daemon just started through `ip netns exec` reads an empty command line for a moment
// while it execs; waiting for it to listen must not take that for a daemon that died (the CI flake of
// "the hub relay did not start listening" with an empty log).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cmdline, isOurs, starting } from '../../lab/proc.ts';

test('starting: alive with the marker or an empty command line; not a dead PID or another program', () => {
  assert.ok(starting(process.pid, 'node'));
  assert.not.ok(starting(process.pid, 'no-such-marker'));
  const dead = spawnSync('true').pid!;
  assert.not.ok(starting(dead, ''), 'a PID that has exited');
  // A kernel thread: alive, with an empty command line, as an exec'ing process reads for a moment.
  const empty = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).find((p) => cmdline(p) === '');
  assert.ok(empty, 'this machine has a process with an empty command line (a kernel thread)');
  assert.ok(starting(empty!, 'socat'));
  assert.not.ok(isOurs(empty!, 'socat'), 'isOurs, used before signalling a PID, still wants the marker');
});

test.run();
