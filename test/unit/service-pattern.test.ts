// service's `pattern` fact (modules/service.ts patternFact), run here by sh as a host runs it: a line of `ps auxww`
// holding the pattern says the service runs, as Ansible's get_ps decides; the fact's own command line (sh -c, and
// whatever started it) holds the pattern too and must not count, or every pattern would be found.
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { patternFact } from '../../modules/service.ts';

const run = (pattern: string) => {
  const def = patternFact(pattern);
  const r = spawnSync('sh', ['-c', def.script], { encoding: 'utf8' });
  return def.parse(r.stdout, r.status ?? -1);
};

test('a pattern no process holds is not found in its own command line', () => {
  assert.is(run(`no-such-process-${process.pid}-${Date.now()}`), false);
});

test('a running process holding the pattern is found; gone, it is not', async () => {
  const mark = `sv2-pattern-${process.pid}`;
  // sh waiting on its stdin, the mark its $0: no child of its own to leave behind.
  const child = spawn('sh', ['-c', 'read x', mark], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.is(run(mark), true);
    assert.is(run(`${mark}-other`), false);
  } finally {
    child.kill();
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.is(run(mark), false);
});

test('quotes and shell characters in the pattern are data', () => {
  assert.is(run(`it's $(touch /tmp/sv2-pwned) "x" \`y\``), false);
  assert.is(spawnSync('test', ['-e', '/tmp/sv2-pwned']).status, 1);
});

test.run();
