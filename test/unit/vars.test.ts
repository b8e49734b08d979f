// Variables: `provision vars HOST` (every merged variable with its source, text and --json), precedence
// (-e > host > child group > parent group > all), parseExtraVars and resolveVars.
// Fixtures: test/fixtures/inventory/precedence/ and extra-vars/ (their line numbers are asserted here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/thrown.ts';
import { EXIT, UserError } from '../../engine/errors.ts';
import { layerOf, parseExtraVars, resolveVars } from '../../engine/vars/vars.ts';
import { provision } from '../helpers/cli.ts';

const INV = 'test/fixtures/inventory/precedence';
const EXTRA = 'test/fixtures/inventory/extra-vars';

const userError = (f: () => unknown) => thrown(UserError, f);

test('vars HOST: every variable, sorted, with its value and file:line source', async () => {
  const r = await provision(['vars', 'h1', '-i', INV]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.equal(r.stdout.split('\n'), [
    `app_dir             "/srv/app"  # ${INV}/group_vars/child.yml:1`,
    `child_beats_parent  "child"  # ${INV}/hosts.yml:18 (group child)`,
    `from_all            "a"  # ${INV}/hosts.yml:5 (group all)`,
    `from_parent         "p"  # ${INV}/hosts.yml:11 (group parent)`,
    `level               "h1-inline"  # ${INV}/hosts.yml:21 (host h1)`,
    `only_h1             "one"  # ${INV}/host_vars/h1.yml:1`,
    `parent_beats_all    "parent"  # ${INV}/hosts.yml:12 (group parent)`,
    `port                9090  # ${INV}/host_vars/h1.yml:2`,
    '',
  ]);
});

test('vars HOST --json: {name: {value, source}}; -e beats host vars beats child group beats parent beats all', async () => {
  const r = await provision(['vars', 'h1', '-i', INV, '--json', '-e', 'level=cli']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), {
    level: { value: 'cli', source: '-e' },
    from_all: { value: 'a', source: `${INV}/hosts.yml:5 (group all)` },
    parent_beats_all: { value: 'parent', source: `${INV}/hosts.yml:12 (group parent)` },
    from_parent: { value: 'p', source: `${INV}/hosts.yml:11 (group parent)` },
    child_beats_parent: { value: 'child', source: `${INV}/hosts.yml:18 (group child)` },
    app_dir: { value: '/srv/app', source: `${INV}/group_vars/child.yml:1` },
    port: { value: 9090, source: `${INV}/host_vars/h1.yml:2` },
    only_h1: { value: 'one', source: `${INV}/host_vars/h1.yml:1` },
  });
  const h2 = JSON.parse((await provision(['vars', 'h2', '-i', INV, '--json'])).stdout) as Record<string, { value: unknown; source: string }>;
  assert.equal(h2.level, { value: 'child', source: `${INV}/hosts.yml:17 (group child)` }, 'no host var: the child group wins');
  assert.equal(h2.port, { value: 8080, source: `${INV}/group_vars/child.yml:2` }, 'group_vars, not h1\'s host_vars');
  assert.is(h2.only_h1, undefined);
  assert.equal(Object.keys(h2).sort(), ['app_dir', 'child_beats_parent', 'from_all', 'from_parent', 'level', 'parent_beats_all', 'port']);
});

test('vars HOST -e @file and key=value: typed values, the later -e wins', async () => {
  const r = await provision(['vars', 'h2', '-i', INV, '--json', '-e', `@${EXTRA}/release.yml`, '-e', 'port=1', '-e', 'mode=0644']);
  assert.is(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(v.port, { value: 1, source: '-e' });
  assert.equal(v.mode, { value: '0644', source: '-e' }, 'key=value after @file wins; 0644 stays a string');
  assert.equal(v.release, { value: '2.0', source: `-e @${EXTRA}/release.yml` });
  assert.equal(v.ports, { value: [80, 443], source: `-e @${EXTRA}/release.yml` });
});

test('vars: an unknown host or a bad -e is one line and exit 4', async () => {
  const r = await provision(['vars', 'h3', '-i', INV]);
  assert.is(r.code, 4);
  assert.is(r.stdout, '');
  assert.is(r.stderr, `provision: no host "h3" in ${INV}\n`);
  const bad = await provision(['vars', 'h1', '-i', INV, '-e', 'not a spec']);
  assert.is(bad.code, 4);
  assert.is(bad.stderr, 'provision: -e not a spec: expected key=value, a JSON object, or @file.yml\n');
});

test('parseExtraVars key=value: whole numbers and true/false typed, everything else a string', () => {
  assert.equal(parseExtraVars(['k=5', 'o=0755', 't=true', 'f=false', 'neg=-3', 'z=0', 'fl=1.5', 'e=', 's=a=b', 'T=True', 'lead=007']), {
    k: { value: 5, source: '-e' },
    o: { value: '0755', source: '-e' },
    t: { value: true, source: '-e' },
    f: { value: false, source: '-e' },
    neg: { value: -3, source: '-e' },
    z: { value: 0, source: '-e' },
    fl: { value: '1.5', source: '-e' },
    e: { value: '', source: '-e' },
    s: { value: 'a=b', source: '-e' },
    T: { value: 'True', source: '-e' },
    lead: { value: '007', source: '-e' },
  });
  assert.equal(parseExtraVars([]), {});
});

test('parseExtraVars JSON objects and @file.yml, later specs win', () => {
  assert.equal(parseExtraVars(['{"a": {"b": [1, 2]}, "n": null}', ' {"c": "x"}', 'c=y']), {
    a: { value: { b: [1, 2] }, source: '-e (JSON)' },
    n: { value: null, source: '-e (JSON)' },
    c: { value: 'y', source: '-e' },
  });
  assert.equal(parseExtraVars([`@${EXTRA}/release.yml`]), {
    release: { value: '2.0', source: `-e @${EXTRA}/release.yml` },
    ports: { value: [80, 443], source: `-e @${EXTRA}/release.yml` },
    mode: { value: '0755', source: `-e @${EXTRA}/release.yml` },
  });
});

test('parseExtraVars: a bad spec is a UserError with exit 4 naming it', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['bad spec', '-e bad spec: expected key=value, a JSON object, or @file.yml'],
    ['1k=5', '-e 1k=5: expected key=value, a JSON object, or @file.yml'],
    ['=5', '-e =5: expected key=value, a JSON object, or @file.yml'],
    ['[1, 2]', '-e [1, 2]: expected key=value, a JSON object, or @file.yml'],
    [`@${EXTRA}/list.yml`, `-e @${EXTRA}/list.yml: not a mapping of variables`],
    ['@nope.yml', "-e @nope.yml: ENOENT: no such file or directory, open 'nope.yml'"],
    ['{"a": ', /^-e \{"a": : .*JSON/],
    [`@${EXTRA}/broken.yml`, new RegExp(`^-e @${EXTRA}/broken\\.yml: \\S`)],
  ];
  for (const [spec, message] of cases) {
    const err = userError(() => parseExtraVars(['ok=1', spec]));
    assert.is(err.exitCode, EXIT.invalid, spec);
    if (typeof message === 'string') assert.is(err.message, message);
    else assert.match(err.message, message);
    assert.not.match(err.message, /\n/, 'one line');
  }
});

test('resolveVars: variables refer to others, through chains and inside lists and maps; types as Ansible gives them', () => {
  const layer = layerOf({
    url: 'http://{{ host }}:{{ port }}/', host: '{{ name }}.example.com', name: 'web', port: 8080,
    nested: ['{{ port }}', { m: '{{ url }}', k: ['{{ port + 1 }}', 'plain'] }], num: '{{ port }}', flag: '{{ port > 80 }}',
  }, 'src');
  assert.equal(resolveVars(layer), {
    url: 'http://web.example.com:8080/', host: 'web.example.com', name: 'web', port: 8080,
    nested: [8080, { m: 'http://web.example.com:8080/', k: ['8081', 'plain'] }], num: 8080, flag: true,
  });
  assert.equal(resolveVars(layerOf({ a: '{{ inventory_hostname }}-x' }, 's'), { inventory_hostname: 'h1' }), { a: 'h1-x', inventory_hostname: 'h1' }, 'extra (magic) variables are usable');
  assert.equal(resolveVars({}), {});
});

test('resolveVars: a cycle names its variables; an undefined one names the variable and its source', () => {
  const cycle = userError(() => resolveVars(layerOf({ a: '{{ b }}', b: '{{ c }}x', c: '{{ a }}', ok: 'fine', d: '{{ ok }}' }, 'src')));
  assert.is(cycle.exitCode, EXIT.invalid);
  assert.is(cycle.message, 'variables "a", "b", "c" refer to each other in a cycle');
  assert.is(userError(() => resolveVars(layerOf({ self: '{{ self }}' }, 'src'))).message, 'variables "self" refer to each other in a cycle');
  const missing = userError(() => resolveVars(layerOf({ a: 'x {{ missing }}' }, 'hosts.yml:3 (group web)')));
  assert.is(missing.exitCode, EXIT.invalid);
  assert.is(missing.message, 'variable "a" (hosts.yml:3 (group web)): undefined variable "missing"');
});

test('vars masks sensitive values (by name, sensitive_vars, quoted in another value) unless --show-secrets', async () => {
  const INV2 = 'test/fixtures/inventory/secrets';
  const secrets = ['hunter2-in-inventory', 'pw-listed-in-sensitive-vars'];
  const text = await provision(['vars', 's1', '-i', INV2]);
  const json = await provision(['vars', 's1', '-i', INV2, '--json']);
  for (const r of [text, json]) {
    assert.is(r.code, 0, r.stderr);
    for (const x of secrets) assert.not.ok(r.stdout.includes(x), `${x} shown: ${r.stdout}`);
  }
  const got = JSON.parse(json.stdout) as Record<string, { value: unknown }>;
  assert.is(got.db_password.value, '********');
  assert.is(got.api_url.value, '********');
  assert.is(got.db_url.value, 'postgres://app:********@db/app');
  assert.is(got.vault_password_file.value, '/keys/vault-pw', 'a path to a secret is not one');
  assert.is(got.plain.value, 'hello');
  const shown = await provision(['vars', 's1', '-i', INV2, '--show-secrets']);
  for (const x of secrets) assert.ok(shown.stdout.includes(x), x);
  // The example production inventory: its mongo_url and mail_url (listed in sensitive_vars) stay hidden.
  const prod = await provision(['vars', 'droplet-1', '-i', 'inventories/prod']);
  assert.is(prod.code, 0, prod.stderr);
  assert.not.ok(prod.stdout.includes('change-me'), prod.stdout);
  assert.match(prod.stdout, /mongo_url +"\*{8}"/);
});

test.run();
