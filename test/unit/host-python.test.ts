// modules/host-python.ts: the loader line, and pyJson's reading of what a host's Python program printed (uri, wait_for).
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pyJson, pyScript } from '../../modules/host-python.ts';

const test = suite('host python');

test('the last line is the result; python3 missing or output not JSON is a failure that says which', () => {
  const f = pyJson<{ ok: number }>('uri', 'true');
  assert.equal(f.parse('noise\n{"ok": 1}\n', 0), { ok: 1 });
  assert.equal(f.parse('nopython\n', 0), { failed: true, msg: 'uri runs python3 on the host, as Ansible does: it is not installed' });
  assert.equal(f.parse('Traceback (most recent call last):\n', 1), { failed: true, msg: 'uri\'s program on the host exited 1: Traceback (most recent call last):\n' });
});

test('the script runs the program where python3 is, and says nopython where it is not', () => {
  const f = pyJson<{ a: unknown }>('uri', pyScript('t', { x: "it's $HOME `id`" }, 'print(json.dumps({"a": a}))'));
  assert.equal(f.parse(execFileSync('sh', ['-c', f.script], { encoding: 'utf8' }), 0), { a: { x: "it's $HOME `id`" } });
  const none = execFileSync('/bin/sh', ['-c', f.script], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  assert.equal(f.parse(none, 0), { failed: true, msg: 'uri runs python3 on the host, as Ansible does: it is not installed' });
});

test.run();
