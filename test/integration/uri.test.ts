// uri on real lab hosts, with real Ansible as the oracle: each host runs the test's small JSON server (python3 under
// systemd-run, gone with the host) on 127.0.0.1:8712; provision applies test/fixtures/playbooks/uri.yml on ui-1,
// ansible-playbook on ui-2, twice: the same statuses (never changed; a 404 failed and ignored) and the same files
// written from what each request registered. Under --check both skip every uri task (Ansible's does not support
// check mode) and what reads its result: provision's --check says what ansible-playbook --check says. Under
// --check --exact (test/fixtures/playbooks/uri-exact.yml) a GET is sent from the view, a POST only under
// check_mode: false: the server's log of POSTs shows which reached it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('uri against ansible-playbook');
const PB = 'test/fixtures/playbooks/uri.yml';
const EXACT = 'test/fixtures/playbooks/uri-exact.yml';
const FILES = '/tmp/ui-health.txt /tmp/ui-created.txt /tmp/ui-text.txt /tmp/ui-more.txt';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ui', 2, (l, s) => { lab = l; ssh = s; });

const SERVER = String.raw`
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def send(self, status, body, kind='application/json', extra=()):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', kind)
        self.send_header('Content-Length', str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == '/health':
            return self.send(200, json.dumps({'ok': True}), extra=[('X-App', 'lab')])
        if self.path == '/text':
            return self.send(200, 'plain words\n', 'text/plain')
        if self.path == '/redirect':
            return self.send(302, '', 'text/plain', [('Location', '/health')])
        self.send(404, 'not here\n', 'text/plain')
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        with open('/tmp/ui-posts.log', 'a') as log:
            log.write(self.path + ' ' + body + '\n')
        self.send(201, json.dumps({'method': 'POST', 'type': self.headers.get('Content-Type'), 'body': body}))
HTTPServer(('127.0.0.1', 8712), H).serve_forever()
`;

test.before(async () => {
  await Promise.all(ssh.map(async (s) => {
    await sh(s, `cat > /tmp/ui-server.py <<'EOF'\n${SERVER}\nEOF\nsystemd-run --quiet --unit=ui-api python3 /tmp/ui-server.py`);
    await sh(s, 'for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 8712), 1)" 2>/dev/null && exit 0; sleep 0.2; done; exit 1');
  }));
});

test('two runs and --check: the statuses of ansible-playbook, the same registered results', async () => {
  for (const run of [1, 2]) {
    const r = await applyJson([PB, '--limit', 'ui-1'], lab.inventory);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'ui-2');
    assert.is(r.code, 0, r.raw);
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['ui-1'].tasks), theirs.tasks, `run ${run}`);
    assert.ok(r.report.hosts['ui-1'].tasks.every((t) => t.status !== 'changed' || t.task.startsWith('what') || t.task === 'the text'), 'uri never changed');
    const [mine, their] = await Promise.all(ssh.map((s) => sh(s, `cat ${FILES}`)));
    assert.is(mine, their, `run ${run}: what the requests registered`);
    assert.match(mine, '200 True application/json lab False http://127.0.0.1:8712/health OK (12 bytes) False\n');
    assert.match(mine, '201 POST application/json {"name": "web", "port": 80}\n');
    assert.match(mine, '404 Status code was 404 and not [200]: HTTP Error 404: Not Found\n');
  }
  const check = await applyJson([PB, '--limit', 'ui-1', '--check'], lab.inventory);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ui-2', ['--check']);
  assert.is(check.code, 0, check.raw);
  assert.equal(asOracle(check.report.hosts['ui-1'].tasks), theirs.tasks, '--check');
  assert.ok(check.report.hosts['ui-1'].tasks.every((t) => t.status === 'skipped'), check.raw);
});

test('the exact check sends a GET from its view, a POST only under check_mode: false; the run sends both', async () => {
  const posts = async () => (await sh(ssh[0], 'grep "^/hooks " /tmp/ui-posts.log || true')).trim().split('\n').filter(Boolean);
  const rows = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['ui-1'].tasks.map((t) => `${t.task}: ${t.status}`);
  const exact = await applyJson([EXACT, '--limit', 'ui-1', '--check', '--exact'], lab.inventory);
  assert.is(exact.code, 0, exact.raw);
  assert.equal(await posts(), ['/hooks forced'], 'only the check_mode: false POST reached the server');
  assert.is(await sh(ssh[0], 'ls /tmp/ui-exact.txt /tmp/ui-after.txt 2>&1 | grep -c "No such" || true'), '2\n', 'the host untouched');
  const tasks = exact.report.hosts['ui-1'].tasks;
  assert.match(tasks[3].error ?? '', /^cannot be predicted: it would send a POST request to http:\/\/127\.0\.0\.1:8712\/hooks, which may change what it reaches: not sent in the view \(check_mode: false sends it\)$/);
  assert.match(tasks[4].error ?? '', /^cannot be predicted: not sent in the view was not run in the view/);
  const run = await applyJson([EXACT, '--limit', 'ui-1'], lab.inventory);
  assert.is(run.code, 0, run.raw);
  assert.equal(await posts(), ['/hooks forced', '/hooks forced', '/hooks hook']);
  assert.is(await sh(ssh[0], 'cat /tmp/ui-exact.txt'), 'True 201\n', 'what the GET and the forced POST registered');
  assert.equal(rows(exact), [...rows(run).slice(0, 3), 'not sent in the view: conditional', 'after it: conditional'], 'the exact check said what the run did, up to the POST');
  assert.equal(rows(run).slice(3), ['not sent in the view: ok', 'after it: changed']);
});

test.run();
