// get_url on real lab hosts, with real Ansible as the oracle: the files are served from inside the lab (python3's
// http.server on gu-2, started by the test with systemd-run, so it stops with the host); provision applies the
// playbook on gu-1, ansible-playbook on gu-2, both downloading from gu-2's address. The same statuses, the same files
// (bytes, owner, mode), --check on the fresh host equal to the apply after it, and a second run as Ansible's (304s
// and matching checksums: nothing downloaded again). A URL whose answer moves between provision's two requests (to
// plan, then to write) fails the task and leaves dest as it was (README: a deliberate difference).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('get_url against ansible-playbook');
const PB = 'test/fixtures/playbooks/get_url.yml';
const FILES = ['/root/gu/a.txt', '/root/gu/b.txt', '/root/c.txt', '/root/gu/a2.txt'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'gu', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['gu-1'].tasks.map((t) => `${t.task}: ${t.status}`);

test('check, apply, apply again: as ansible-playbook, the same files', async () => {
  const server = lab.hosts[1].address;
  // Served from gu-2; files a minute old, so that a copy made now is newer (If-Modified-Since answers 304).
  await sh(ssh[1], [
    'mkdir -p /srv/gu-www && cd /srv/gu-www',
    "printf 'first line\\n' > a.txt && printf 'second\\n' > b.txt && printf 'third\\n' > c.txt",
    "sha256sum a.txt c.txt > SHA256SUMS && sha256sum b.txt | sed 's/  / */' >> SHA256SUMS",
    'touch -d "1 minute ago" a.txt b.txt c.txt SHA256SUMS',
    'systemd-run --unit=gu-www python3 -m http.server 8000 --bind 0.0.0.0 --directory /srv/gu-www',
    'for i in $(seq 50); do python3 -c "import urllib.request as u; u.urlopen(\'http://127.0.0.1:8000/a.txt\')" 2>/dev/null && exit 0; sleep 0.2; done; exit 1',
  ].join(' && '));
  const vars = ['-e', `base=http://${server}:8000`];
  const check = await applyJson([PB, '--limit', 'gu-1', '--check', ...vars], lab.inventory);
  const first = await applyJson([PB, '--limit', 'gu-1', ...vars], lab.inventory);
  assert.is(first.code, 0, first.raw);
  // The assert reads what get_url registered, which check mode does not know of a download only simulated.
  const known = (r: Awaited<ReturnType<typeof applyJson>>) => statuses(r).filter((s) => !s.startsWith('what it registered'));
  assert.equal(known(check), known(first), '--check on a fresh host says what the apply did');
  assert.ok(statuses(check).includes('what it registered: conditional'), statuses(check).join('\n'));
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'gu-2', vars);
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['gu-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(mine, their);
  assert.is(await sh(ssh[0], 'stat -c "%U:%G %a" /root/gu/a.txt /root/gu/a2.txt; cat /root/c.txt'), 'root:root 640\nnobody:nogroup 640\nthird\n');

  const second = await applyJson([PB, '--limit', 'gu-1', ...vars], lab.inventory);
  const again = await ansiblePlaybook(PB, lab.inventory, 'gu-2', vars);
  assert.equal(asOracle(second.report.hosts['gu-1'].tasks), again.tasks);
  assert.is(second.report.hosts['gu-1'].changed, 0, 'nothing downloaded again');
  const recheck = await applyJson([PB, '--limit', 'gu-1', '--check', ...vars], lab.inventory);
  assert.equal(statuses(recheck), statuses(second), '--check on the converged host: all ok, the registered result known');
});

test('a URL answering other bytes on each request: the run fails, dest left as it was', async () => {
  // A counter on gu-2, each answer its next number.
  await sh(ssh[1], `cat > /tmp/gu-moving.py <<'PY'
from http.server import BaseHTTPRequestHandler, HTTPServer
n = 0
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        global n
        n += 1
        body = ('answer %d\\n' % n).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
HTTPServer(('0.0.0.0', 8001), H).serve_forever()
PY
systemd-run --unit=gu-moving python3 /tmp/gu-moving.py && for i in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', 8001), 1)" 2>/dev/null && exit 0; sleep 0.2; done; exit 1`);
  const r = await applyJson(['test/fixtures/playbooks/get_url-moving.yml', '--limit', 'gu-1', '-e', `base=http://${lab.hosts[1].address}:8001`], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const [t] = r.report.hosts['gu-1'].tasks;
  assert.is(t.status, 'failed');
  assert.match(t.error ?? '', /\/moving: the URL answered other bytes than when the task was planned \(sha256 [0-9a-f]{64}, now [0-9a-f]{64}\): \/root\/gu\/moving\.txt left as it was/);
  assert.is(await sh(ssh[0], 'ls /root/gu/moving.txt /root/gu/.provision-get_url-* 2>&1 | grep -c "No such" || true'), '2\n', 'no dest, no temp file');
});

test.run();
