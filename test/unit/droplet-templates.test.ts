// The droplet's nginx and HAProxy templates, rendered by the engine's renderFile: one server line per
// instance on consecutive ports, affinity and health check, loopback-only HAProxy, nginx's static files
// and websocket upgrade; a missing variable is an error.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError, renderFile } from '../../engine/vars/template.ts';

const read = (name: string) => readFileSync(new URL(`../../templates/${name}`, import.meta.url), 'utf8');
const haproxy = (vars: Record<string, unknown>) => renderFile(read('haproxy.cfg.njk'), vars, 'haproxy.cfg.njk');
const nginx = (vars: Record<string, unknown>) => renderFile(read('nginx.conf.njk'), vars, 'nginx.conf.njk');

/** The lines of a config, trimmed, without blank lines and comments. */
const directives = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
/** The directives of one HAProxy section (from its header to the next unindented line). */
function section(text: string, header: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(header);
  assert.ok(start >= 0, `no section "${header}"`);
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
  return directives(lines.slice(start + 1, end < 0 ? undefined : end).join('\n'));
}

const STATIC = '/srv/app/current/bundle/programs/client/app';

test('haproxy: one server line per instance, on consecutive ports from base_port, for 1, 3 and 5 instances', () => {
  for (const instances of [1, 3, 5]) {
    const out = haproxy({ instances, base_port: 3000 });
    const servers = directives(out).filter((l) => l.startsWith('server '));
    assert.equal(servers, Array.from({ length: instances }, (_, i) => `server app${i} 127.0.0.1:${3000 + i} check cookie app${i}`), `instances=${instances}`);
    // Every server line sits in backend app, and nowhere else.
    assert.equal(section(out, 'backend app').filter((l) => l.startsWith('server ')), servers);
  }
  const other = directives(haproxy({ instances: 2, base_port: 4100 })).filter((l) => l.startsWith('server '));
  assert.equal(other, ['server app0 127.0.0.1:4100 check cookie app0', 'server app1 127.0.0.1:4101 check cookie app1']);
});

test('haproxy: round robin, cookie affinity, /ping health check; frontend and stats on loopback only', () => {
  const out = haproxy({ instances: 3, base_port: 3000 });
  const backend = section(out, 'backend app');
  for (const line of ['balance roundrobin', 'cookie SERVERID insert indirect nocache', 'option httpchk GET /ping', 'http-check expect status 200']) {
    assert.ok(backend.includes(line), `backend app lacks "${line}"`);
  }
  assert.equal(section(out, 'frontend www'), ['bind 127.0.0.1:8000', 'default_backend app']);
  const stats = section(out, 'listen stats');
  assert.is(stats[0], 'bind 127.0.0.1:8404');
  assert.ok(stats.includes('stats enable'));
  // Every bind of the file is on 127.0.0.1.
  assert.equal(directives(out).filter((l) => l.startsWith('bind ')), ['bind 127.0.0.1:8000', 'bind 127.0.0.1:8404']);
  assert.ok(directives(out).includes('timeout tunnel 1h'), 'websockets need a tunnel timeout');

  const moved = haproxy({ instances: 1, base_port: 3000, haproxy_port: 9000, haproxy_stats_port: 9404 });
  assert.equal(directives(moved).filter((l) => l.startsWith('bind ')), ['bind 127.0.0.1:9000', 'bind 127.0.0.1:9404']);
});

test('haproxy: instances and base_port are required', () => {
  assert.throws(() => haproxy({ base_port: 3000 }), (e: Error) => e instanceof TemplateError && e.message === 'haproxy.cfg.njk: undefined variable "instances"');
  assert.throws(() => haproxy({ instances: 3 }), (e: Error) => e instanceof TemplateError && e.message === 'haproxy.cfg.njk: undefined variable "base_port"');
  assert.throws(() => haproxy({}), (e: Error) => e.message === 'haproxy.cfg.njk: undefined variables "instances", "base_port"');
});

test('nginx: a complete Debian nginx.conf; static files from app_static_dir, the rest to HAProxy with websocket upgrade', () => {
  const out = nginx({ app_static_dir: STATIC });
  const d = directives(out);
  for (const line of ['user www-data;', 'worker_processes auto;', 'pid /run/nginx.pid;', 'include /etc/nginx/modules-enabled/*.conf;',
    'include /etc/nginx/mime.types;', 'listen 80 default_server;', `root ${STATIC};`, 'try_files $uri @app;',
    'add_header X-Served-By nginx always;', 'proxy_pass http://127.0.0.1:8000;', 'proxy_http_version 1.1;',
    'proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;', 'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_read_timeout 120s;']) {
    assert.ok(d.includes(line), `nginx.conf lacks "${line}"`);
  }
  assert.match(out, /map \$http_upgrade \$connection_upgrade \{\n\s+default upgrade;\n\s+''\s+close;\n\s+\}/);
  // The header marks only what nginx served: it is in `location /`, not in `location @app`.
  const app = out.slice(out.indexOf('location @app {'));
  assert.ok(!app.slice(0, app.indexOf('}')).includes('X-Served-By'));
  assert.ok(!d.includes('include /etc/nginx/sites-enabled/*;'), 'the default site would take port 80');
  // Braces balance, and nothing is left unrendered.
  assert.is((out.match(/\{/g) ?? []).length, (out.match(/\}/g) ?? []).length);
  assert.not.match(out, /\{\{|\{%|undefined/);
});

test('nginx: http_port and haproxy_port are honoured; app_static_dir is required', () => {
  const d = directives(nginx({ app_static_dir: '/srv/other', http_port: 8080, haproxy_port: 9000 }));
  assert.ok(d.includes('listen 8080 default_server;'));
  assert.ok(d.includes('listen [::]:8080 default_server;'));
  assert.ok(d.includes('proxy_pass http://127.0.0.1:9000;'));
  assert.ok(d.includes('root /srv/other;'));
  assert.throws(() => nginx({ http_port: 80 }), (e: Error) => e instanceof TemplateError && e.message === 'nginx.conf.njk: undefined variable "app_static_dir"');
});

test.run();
