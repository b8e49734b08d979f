// The README's demo command, run as a user runs it: 2 droplets converged, a second run with nothing to
// do, URLs that answer from this machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadState } from '../../lab/state.ts';
import { provision } from '../helpers/cli.ts';
import { httpGet } from '../helpers/net.ts';

test('provision demo: the droplet on 2 lab hosts, a second run with 0 changed, the URLs answer', async () => {
  const r = await provision(['demo']);
  try {
    assert.is(r.code, 0, r.stderr + r.stdout);
    const [, second] = r.stdout.split('== provision apply playbooks/droplet.yml (second run');
    assert.match(second, /demo-1\s+ok=\d+ changed=0 failed=0/);
    assert.match(second, /demo-2\s+ok=\d+ changed=0 failed=0/);
    const urls = [...r.stdout.matchAll(/^ {2}(http:\/\/10\.233\.1\.\d+\/)$/gm)].map((m) => m[1]);
    assert.is(urls.length, 2);
    for (const url of urls) {
      let body = '';
      for (let k = 0; k < 50 && !body.startsWith('{'); k++) {
        body = (await httpGet(url)).body;
        if (!body.startsWith('{')) await new Promise((res) => setTimeout(res, 100));
      }
      assert.match(body, /"node":"v0\.8\.28"/);
    }
  } finally {
    await provision(['lab', 'down', '--prefix', 'demo']);
  }
  assert.is(Object.values(loadState().hosts).filter((h) => h.prefix === 'demo').length, 0);
});

test.run();
