// What `register` records of a command, as Ansible's command module and action plugin record it: trailing line
// ends stripped from stdout and stderr (strip_empty_ends), and their lines as Python's splitlines() gives them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tripwire, predicted, registered } from '../../engine/register.ts';

test('a command\'s output loses its trailing line ends; *_lines split as Python splitlines', () => {
  assert.equal(registered('changed', { rc: 0, stdout: 'a\nb\r\n\n', stderr: 'warn\n' }), {
    changed: true, failed: false, skipped: false, rc: 0,
    stdout: 'a\nb', stderr: 'warn', stdout_lines: ['a', 'b'], stderr_lines: ['warn'],
  });
  const r = registered('ok', { rc: 0, stdout: '  x \r\ny\rz\n', stderr: '' });
  assert.is(r.stdout, '  x \r\ny\rz', 'only line ends are stripped, and only at the end');
  assert.equal(r.stdout_lines, ['  x ', 'y', 'z']);
  assert.equal(r.stderr_lines, []);
  assert.equal(registered('ok', { rc: 0, stdout: 'one\n\ntwo', stderr: '' }).stdout_lines, ['one', '', 'two']);
});

test('a task that ran no command registers no output at all', () => {
  assert.equal(registered('ok'), { changed: false, failed: false, skipped: false });
});

test('check mode: the lines of output no one has seen are unknown too', () => {
  const wire = new Tripwire();
  const p = predicted('probe', 'changed', wire);
  assert.is(p.changed, true);
  assert.throws(() => p.stdout_lines, /probe\.stdout_lines is not known in check mode/);
  assert.equal(wire.reads, ['probe.stdout_lines']);
});

test.run();
