// Inventories: YAML and INI files and directories, group_vars/ host_vars/, variable precedence with
// sources, every load error, host patterns and connection settings. Fixtures: test/fixtures/inventory/ (their line numbers are asserted).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asUser, becomeFor, scriptAs } from '../../engine/become.ts';
import { EXIT, UserError } from '../../engine/errors.ts';
import { connection } from '../../engine/inventory/connection.ts';
import { hostVars, loadInventory, selectHosts, varValues, type Inventory } from '../../engine/inventory/inventory.ts';
import { iniValue, parseIni } from '../../engine/inventory/ini.ts';
import { writeInventory } from '../../lab/inventory-file.ts';

const fixture = (p: string) => relative(process.cwd(), new URL(`../fixtures/inventory/${p}`, import.meta.url).pathname);
const group = (inv: Inventory, name: string) => {
  const g = inv.groups.get(name)!;
  return { parents: g.parents, children: g.children, hosts: g.hosts, depth: g.depth };
};

function loadError(path: string): UserError {
  try {
    loadInventory(path);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error(`${path} loaded without an error`);
}

test('a YAML directory: every inventory file merged, hidden, README and known_hosts skipped', () => {
  const dir = fixture('yaml');
  const inv = loadInventory(dir);
  assert.equal([...inv.hosts.keys()], ['bastion', 'web1', 'web2', 'db1', 'web3', 'app1.example.com', 'app2.example.com']);
  assert.equal([...inv.groups.keys()], ['all', 'ungrouped', 'prod', 'web', 'db', 'staging', 'monitored']);
  assert.equal(group(inv, 'all'), { parents: [], children: ['prod', 'staging', 'ungrouped', 'monitored'], hosts: [], depth: 0 });
  assert.equal(group(inv, 'prod'), { parents: ['all'], children: ['web', 'db'], hosts: [], depth: 1 });
  assert.equal(group(inv, 'web'), { parents: ['prod'], children: [], hosts: ['web1', 'web2'], depth: 2 });
  assert.equal(group(inv, 'staging').hosts, ['web3', 'app1.example.com', 'app2.example.com', 'db1'], 'app[1:2] expanded');
  assert.equal(group(inv, 'ungrouped').hosts, ['bastion'], 'a host only under all.hosts is ungrouped');
  assert.equal(inv.hosts.get('db1')!.groups, ['all', 'monitored', 'prod', 'staging', 'db']);
  assert.equal(inv.hosts.get('bastion')!.groups, ['all', 'ungrouped']);
  assert.equal(inv.sources.slice(0, 2), [`${dir}/hosts.yml`, `${dir}/more.yaml`]);
  assert.ok(inv.sources.includes(`${dir}/host_vars/db1`));
  assert.not.ok(inv.sources.some((s) => /README|known_hosts|hidden|ghost|notes/.test(s)));
  const one = loadInventory(`${dir}/hosts.yml`);
  assert.equal([...one.hosts.keys()], ['bastion', 'web1', 'web2', 'db1'], 'a file alone: the other files are not read');
  assert.equal(hostVars(one, 'web2').http_port, { value: 8080, source: `${dir}/group_vars/web.yml:3` }, 'group_vars beside the file');
});

test('group_vars as a file and as a directory (files by name), host_vars with and without extension', () => {
  const dir = fixture('yaml');
  const inv = loadInventory(dir);
  const web2 = hostVars(inv, 'web2');
  assert.equal(web2.env, { value: 'prod', source: `${dir}/group_vars/prod/20-override.yaml:2` }, '20-override after 10-main');
  assert.equal(web2.http_port, { value: 8080, source: `${dir}/group_vars/web.yml:3` });
  assert.equal(web2.ntp, { value: 'pool.ntp.org', source: `${dir}/group_vars/all.yml:4` });
  assert.equal(hostVars(inv, 'db1').backup, { value: true, source: `${dir}/host_vars/db1:2` });
  assert.equal(hostVars(inv, 'web1').ansible_host, { value: '10.0.0.11', source: `${dir}/hosts.yml:19 (host web1)` });
  assert.is(web2.nobody, undefined, 'group_vars of an unknown group are not read');
});

test('precedence: all < parent group < child group < host; inventory file < group_vars/host_vars', () => {
  const dir = fixture('yaml');
  const inv = loadInventory(dir);
  // `level` is set in all, prod (parent), web (child) and web1, both inline and in *_vars files.
  assert.equal(hostVars(inv, 'web1').level, { value: 'web1-file', source: `${dir}/host_vars/web1.yml:1` });
  assert.equal(hostVars(inv, 'web3').level, { value: 'web3-inline', source: `${dir}/more.yaml:5 (host web3)` });
  assert.equal(hostVars(inv, 'web2').level, { value: 'web-file', source: `${dir}/group_vars/web.yml:2` }, 'child beats parent');
  assert.equal(hostVars(inv, 'db1').level, { value: 'prod-file', source: `${dir}/group_vars/prod/10-main.yml:2` });
  assert.equal(hostVars(inv, 'bastion').level, { value: 'all-file', source: `${dir}/group_vars/all.yml:2` });
  assert.equal(hostVars(inv, 'bastion').only_all, { value: 'file', source: `${dir}/group_vars/all.yml:3` });
  assert.equal(hostVars(inv, 'bastion').ansible_user, { value: 'deploy', source: `${dir}/hosts.yml:6 (group all)` });
  assert.equal(hostVars(inv, 'web1').only_prod, { value: 'p', source: `${dir}/hosts.yml:14 (group prod)` });
  // Equal depth (monitored, staging: 1): alphabetical, the later wins.
  assert.equal(hostVars(inv, 'db1').region, { value: 'eu', source: `${dir}/more.yaml:9 (group staging)` });
  assert.equal(hostVars(inv, 'web1').region, { value: 'us', source: `${dir}/more.yaml:15 (group monitored)` });
  assert.equal(varValues(hostVars(inv, 'app1.example.com')), { level: 'all-file', only_all: 'file', ansible_user: 'deploy', ntp: 'pool.ntp.org', region: 'eu' });
});

test('an INI inventory: ungrouped hosts, ranges, :vars, :children, quoting, typed values, NAME group_vars', () => {
  const file = fixture('ini/hosts');
  for (const inv of [loadInventory(fixture('ini')), loadInventory(file)]) {
    assert.equal([...inv.hosts.keys()], ['jump.example.com', 'web01.example.com', 'web02.example.com', 'web03.example.com', 'static.example.com', 'db-a', 'db-b']);
    assert.equal(group(inv, 'ungrouped').hosts, ['jump.example.com']);
    assert.equal(group(inv, 'prod'), { parents: ['all'], children: ['web', 'db'], hosts: [], depth: 1 });
    assert.equal(group(inv, 'db'), { parents: ['prod'], children: [], hosts: ['db-a', 'db-b'], depth: 2 });
    assert.equal(inv.hosts.get('web02.example.com')!.groups, ['all', 'prod', 'web']);
    const web = varValues(hostVars(inv, 'web01.example.com'));
    assert.equal(web, {
      ntp: 'pool.ntp.org', ansible_become: true, env: 'production', ansible_user: 'deploy', greeting: 'hi there',
      max_conn: 512, cache: 'redis', http_port: 80,
    });
    const st = hostVars(inv, 'static.example.com');
    assert.equal(st.ansible_port, { value: 2222, source: `${file}:7 (host static.example.com)` });
    assert.equal(st.motd, { value: 'hello world', source: `${file}:7 (host static.example.com)` });
    assert.equal(st.ansible_become, { value: true, source: `${file}:22 (group prod)` });
    assert.equal(st.cache, { value: 'redis', source: `${fixture('ini')}/group_vars/web:1` });
    const db = varValues(hostVars(inv, 'db-b'));
    assert.equal([db.ansible_become, db.backup_hour], [false, '03'], 'No is false for become; 03 stays a string');
    assert.is(hostVars(inv, 'jump.example.com').ansible_port.value, 2201);
  }
});

test('INI values: integers become numbers, booleans only for become keys, quoted integers stay strings', () => {
  assert.is(iniValue('port', '80', false), 80);
  assert.is(iniValue('port', '80', true), '80');
  assert.is(iniValue('mode', '0644', false), '0644');
  assert.is(iniValue('enabled', 'yes', false), 'yes');
  assert.is(iniValue('become', 'YES', false), true);
  assert.is(iniValue('ansible_become', 'False', false), false);
  assert.is(iniValue('x', '-3', false), -3);
  assert.is(iniValue('x', '1.5', false), '1.5');
  const decls = parseIni('[web]\nn[8:10:2] a="x y" b=\'1\' c=2 # note\n', 'h.ini');
  assert.equal(decls.map((d) => (d.kind === 'host' ? d.name : d.kind === 'var' ? `${d.name}.${d.key}=${JSON.stringify(d.value)}@${d.at.col}` : d.kind)), [
    'group', 'n8', 'n8.a="x y"@11', 'n8.b="1"@19', 'n8.c=2@25', 'n10', 'n10.a="x y"@11', 'n10.b="1"@19', 'n10.c=2@25',
  ]);
});

test('errors: YAML syntax, in an inventory and in group_vars, with FILE:LINE:COL and exit code 4', () => {
  const e = loadError(fixture('bad/syntax'));
  assert.is(e.message, `${fixture('bad/syntax/hosts.yml')}:4:21: the [ opened here is not closed (the parser stopped at 5:5: deficient indentation)`);
  assert.is(e.exitCode, EXIT.invalid);
  assert.is(loadError(fixture('bad/vars-syntax')).message, `${fixture('bad/vars-syntax/group_vars/web.yml')}:2:7: bad indentation of a mapping entry`);
});

test('errors: unknown child group, undefined :vars group, cycles, host named as a group', () => {
  const cases: Array<[string, string]> = [
    ['bad/unknown-child.ini', '8:1: [web:children] names group "db2", which is not defined'],
    ['bad/vars-undefined.ini', '4:1: [dbs:vars] sets variables of group "dbs", which is not defined'],
    ['bad/cycle.yml', '7:13: group "a" as a child of "b" makes a cycle: a > b > a'],
    ['bad/cycle.ini', '8:1: group "a" as a child of "c" makes a cycle: a > b > c > a'],
    ['bad/clash.yml', `8:9: host "web" has the same name as a group (defined at ${fixture('bad/clash.yml')}:3:5)`],
  ];
  for (const [file, message] of cases) {
    const e = loadError(fixture(file));
    assert.is(e.message, `${fixture(file)}:${message}`);
    assert.is(e.exitCode, EXIT.invalid);
  }
});

test('errors: bad YAML shapes, bad INI lines and ranges, a missing path', () => {
  const cases: Array<[string, string]> = [
    ['bad/unknown-key.yml', '4:7: group "web" has an unknown key "host"; a group has hosts, vars and children'],
    ['bad/hosts-list.yml', '3:5: the hosts of group "web" must be a mapping of host names, not a list'],
    ['bad/range.ini', '2:1: host range "web[01:3]": zero-padded begin and end must have the same number of digits'],
    ['bad/section.ini', '1:1: [web:host] is not a section kind; use [web], [web:vars] or [web:children]'],
    ['bad/assignment.ini', '2:22: expected key=value after the host name, got "oops"'],
  ];
  for (const [file, message] of cases) assert.is(loadError(fixture(file)).message, `${fixture(file)}:${message}`);
  const missing = loadError('no/such/inventory');
  assert.is(missing.message, 'inventory no/such/inventory does not exist');
  assert.is(missing.exitCode, EXIT.invalid);
  assert.throws(() => hostVars(loadInventory(fixture('ini')), 'nope'), /host "nope" is not in the inventory/);
});

test('host patterns: all, *, groups, hosts, globs, regex, subscripts; results in inventory order', () => {
  const inv = loadInventory(fixture('yaml'));
  const sel = (p: string) => selectHosts(inv, p);
  const every = ['bastion', 'web1', 'web2', 'db1', 'web3', 'app1.example.com', 'app2.example.com'];
  assert.equal(sel('all'), every);
  assert.equal(sel('*'), every);
  assert.equal(sel('web'), ['web1', 'web2']);
  assert.equal(sel('prod'), ['web1', 'web2', 'db1'], 'a group holds its children\'s hosts');
  assert.equal(sel('ungrouped'), ['bastion']);
  assert.equal(sel('db1'), ['db1']);
  assert.equal(sel('web*'), ['web1', 'web2', 'web3'], 'a glob matches groups and hosts');
  assert.equal(sel('app?.example.com'), ['app1.example.com', 'app2.example.com']);
  assert.equal(sel('*.example.com'), ['app1.example.com', 'app2.example.com']);
  assert.equal(sel('~^web[13]$'), ['web1', 'web3']);
  assert.equal(sel('staging[0]'), ['db1']);
  assert.equal(sel('staging[1:]'), ['web3', 'app1.example.com', 'app2.example.com']);
  assert.equal(sel('staging[-1]'), ['app2.example.com']);
  assert.equal(sel('nothing'), []);
  assert.equal(sel('nothing*'), []);
});

test('host patterns: unions, intersections, exclusions, applied in Ansible\'s order', () => {
  const inv = loadInventory(fixture('yaml'));
  const sel = (p: string) => selectHosts(inv, p);
  assert.equal(sel('db:web'), ['web1', 'web2', 'db1'], 'a union in inventory order');
  assert.equal(sel('web3,db'), ['db1', 'web3']);
  assert.equal(sel('web3, bastion'), ['bastion', 'web3']);
  assert.equal(sel('prod:&monitored'), ['web1', 'db1']);
  assert.equal(sel('prod:!web'), ['db1']);
  assert.equal(sel('!web1:prod:&monitored'), ['db1'], 'unions, then intersections, then exclusions');
  assert.equal(sel('prod:!web:staging'), ['db1', 'web3', 'app1.example.com', 'app2.example.com'], 'exclusions come last');
  assert.equal(sel('&staging:!web3'), ['db1', 'app1.example.com', 'app2.example.com'], 'no union means all');
  assert.equal(sel('web:!web*'), []);
  assert.throws(() => sel('~web['), (e: Error) => e instanceof UserError && e.message.startsWith('host pattern "~web[": Invalid regular expression'));
});

test('connection: Ansible names, short names, Ansible names winning, defaults', () => {
  assert.equal(connection({
    ansible_host: '10.0.0.5', ansible_port: 2222, ansible_user: 'deploy', ansible_ssh_private_key_file: '/k/id',
    ansible_become: true, ansible_become_user: 'postgres', known_hosts: '/k/known_hosts',
  }, 'web1'), { host: '10.0.0.5', port: 2222, user: 'deploy', privateKeyPath: '/k/id', privateKeyVar: 'ansible_ssh_private_key_file', knownHostsPath: '/k/known_hosts', become: true, becomeUser: 'postgres', becomeUserFixed: true, set: { user: true, port: true } });
  assert.equal(connection({ host: 'h.example', port: '2200', user: 'admin', private_key: '/k/a', known_hosts: '/k/kh', become: 'yes', become_user: 'www' }, 'web2'),
    { host: 'h.example', port: 2200, user: 'admin', privateKeyPath: '/k/a', privateKeyVar: 'private_key', knownHostsPath: '/k/kh', become: true, becomeUser: 'www', becomeUserFixed: true, set: { user: true, port: true } });
  assert.equal(connection({ ansible_host: 'a', host: 'b', ansible_port: 23, port: 24, ansible_user: 'u1', user: 'u2', ansible_become: false, become: true, ansible_become_user: 'x', become_user: 'y' }, 'h'),
    { host: 'a', port: 23, user: 'u1', become: false, becomeUser: 'x', becomeUserFixed: true, set: { user: true, port: true } });
  assert.equal(connection({}, 'web3'), { host: 'web3', port: 22, user: 'root', become: false, becomeUser: 'root', becomeUserFixed: false,
    set: { user: false, port: false } }, 'the defaults: ~/.ssh/config may give user and port');
  assert.equal(connection({ inventory_hostname: 'db9' }).host, 'db9');
  assert.match(connection({ private_key: '~/.ssh/id_ed25519' }, 'h').privateKeyPath!, /^\/.*\/\.ssh\/id_ed25519$/);
  // From an inventory: host:port in INI, the group's ansible_user over the host's `user`, become from [prod:vars].
  const inv = loadInventory(fixture('ini'));
  assert.equal(connection(varValues(hostVars(inv, 'static.example.com')), 'static.example.com'),
    { host: 'static.example.com', port: 2222, user: 'deploy', become: true, becomeUser: 'root', becomeUserFixed: false, set: { user: true, port: true } });
});

test('connection: a port outside 1-65535 or not a number is an error naming the host', () => {
  for (const [vars, shown] of [[{ ansible_port: 70000 }, 'ansible_port 70000'], [{ port: 0 }, 'port 0'], [{ ansible_port: 'ssh' }, 'ansible_port "ssh"'], [{ port: '22x' }, 'port "22x"']] as const) {
    try {
      connection(vars, 'web1');
      assert.unreachable('no error');
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as UserError).message, `host web1: ${shown} is not a port number (1-65535)`);
      assert.is((err as UserError).exitCode, EXIT.invalid);
    }
  }
});

test('connection: a become_user that is not a user name is an error naming the host; ordinary names pass', () => {
  for (const bad of ['root; id', '-u', 'a b', "o'brien", '1abc', 'x'.repeat(33), '$(id)']) {
    assert.throws(() => connection({ ansible_become_user: bad }, 'web1'), (err: Error) => err instanceof UserError && err.exitCode === EXIT.invalid &&
      err.message === `host web1: ansible_become_user ${JSON.stringify(bad)} is not a user name (letters, digits, _ . -, not starting with - or a digit; 32 at most)`, bad);
  }
  for (const good of ['postgres', 'www-data', '_apt', 'svc.app', 'Admin1', 'machine$']) assert.is(connection({ become_user: good }, 'w').becomeUser, good);
});

test('become: the user name is quoted in every sudo command line (steps and fact batches)', () => {
  assert.is(asUser('id -un', { user: 'www-data' }, undefined).command, "sudo -n -H -u www-data -- sh -c 'id -un'");
  assert.is(scriptAs({ user: 'www-data' }, 'id').command, 'sudo -n -H -u www-data -- sh -s');
  assert.is(scriptAs({ user: "a'b c" }, 'id').command, "sudo -n -H -u 'a'\\''b c' -- sh -s");
  assert.equal(asUser('cat', undefined, 'in'), { command: 'cat', stdin: 'in' });
});

test('become with a password: it travels as the first line of stdin, never on the command line', () => {
  const pw = "s3cret 'pw' $(id)";
  const a = asUser('cat', { user: 'root', password: pw }, 'payload');
  assert.not.ok(a.command.includes('s3cret'));
  assert.equal(Buffer.concat(a.stdin as Buffer[]).toString(), `${pw}\npayload`);
  const s = scriptAs({ user: 'root', password: pw }, 'echo hi');
  assert.not.ok(s.command.includes('s3cret'));
  assert.equal(Buffer.concat(s.stdin as Buffer[]).toString(), `${pw}\necho hi`);
  // No stdin of its own: the password's line, then EOF.
  assert.equal(Buffer.concat(asUser('id', { user: 'root', password: pw }, undefined).stdin as Buffer[]).toString(), `${pw}\n`);
  // The host's setting reaches a task's become; none when not becoming.
  const play = { become: true } as never;
  assert.equal(becomeFor(play, undefined, { connUser: 'deploy', becomeUser: 'root', becomePassword: pw }), { user: 'root', password: pw });
  assert.is(becomeFor({ become: false } as never, undefined, { connUser: 'deploy', becomeUser: 'root', becomePassword: pw }), undefined);
});

test('the inventory `provision lab up` writes loads, and gives the lab connection settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-'));
  const rec = (name: string, index: number) => ({ name, prefix: 'web', index, address: `10.233.1.${index}`, mac: '', inventory: dir, layers: [], hostKey: 'ssh-ed25519 K' });
  writeInventory(dir, [rec('web-1', 1), rec('web-2', 2)]);
  const inv = loadInventory(dir);
  assert.equal(selectHosts(inv, 'lab:&web'), ['web-1', 'web-2']);
  const c = connection(varValues(hostVars(inv, 'web-2')), 'web-2');
  assert.equal([c.host, c.port, c.user, c.knownHostsPath], ['10.233.1.2', 22, 'root', join(dir, 'known_hosts')]);
  assert.match(c.privateKeyPath!, /id_ed25519$/);
});

test.run();
