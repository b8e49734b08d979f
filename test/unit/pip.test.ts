// pip's reading of its arguments (modules/pip/pip-args.ts), with Ansible's own pip module as the oracle, imported
// by /usr/bin/python3 (pkg_resources from Debian's python3-pkg-resources): names split at commas recovered into
// requirements (_recover_package_name), a requirement's project name as pip compares it (Package.package_name);
// and the command lines Ansible would run for the virtualenv and for pip.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipWords, recoverNames, requirementName, venvCommand } from '../../modules/pip/pip-args.ts';

const LISTS = [
  ['django>1.11.1', '<1.11.3', 'ipaddress', 'simpleproject>1.1.0', '<2.0.0'],
  ['django>1.11.1,<1.11.3,ipaddress', 'simpleproject>1.1.0,<2.0.0'],
  ['requests[security, socks]>=2.0', 'six'],
  ['pp-hello', ' ==1.0', 'x'],
  ['single'],
];
const REQS = ['Django>=4.0', 'pp_hello==1.0', 'PP.Hello', 'requests[security]>=2', 'zope.interface ; python_version > "3"', 'name @ https://x/y.whl', 'a-b_c.d'];

const PY = String.raw`
import json, sys
from ansible.modules.pip import _recover_package_name, Package
c = json.load(sys.stdin)
json.dump({'lists': [_recover_package_name(l) for l in c['lists']], 'names': [Package(r).package_name for r in c['reqs']]}, sys.stdout)
`;
const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify({ lists: LISTS, reqs: REQS }), encoding: 'utf8' })) as
  { lists: string[][]; names: string[] };

test('names split at commas are recovered as Ansible recovers them', () => {
  assert.equal(LISTS.map(recoverNames), theirs.lists);
});

test('a requirement\'s project name is the one Ansible compares', () => {
  assert.equal(REQS.map((r) => requirementName(r)), theirs.names);
});

test('the virtualenv and pip command lines, as Ansible builds them', () => {
  assert.equal(venvCommand({ virtualenv_command: 'python3 -m venv' }, '/usr/bin/python3', '/opt/v'), ['/usr/bin/python3', '-m', 'venv', '/opt/v']);
  assert.equal(venvCommand({ virtualenv_site_packages: true }, '/usr/bin/virtualenv', '/opt/v'), ['/usr/bin/virtualenv', '--system-site-packages', '-p/usr/bin/python3', '/opt/v']);
  assert.equal(venvCommand({ virtualenv_python: 'python3.11' }, '/usr/bin/virtualenv', '/opt/v'), ['/usr/bin/virtualenv', '-ppython3.11', '/opt/v']);
  assert.throws(() => venvCommand({ virtualenv_command: 'python3 -m venv', virtualenv_python: 'python3' }, '/usr/bin/python3', '/opt/v'), /virtualenv_python should not be used/);
  assert.equal(pipWords({ name: ['pp-hello'], version: '>=1.0', extra_args: '--find-links "/srv/my wheels"', editable: false }), ['--find-links', '/srv/my wheels', 'pp-hello >=1.0']);
  assert.equal(pipWords({ name: ['/src/app'], editable: true }), ['-e', '/src/app']);
  assert.equal(pipWords({ requirements: 'req.txt', extra_args: '-q' }), ['-q', '-r', 'req.txt']);
  assert.throws(() => pipWords({ name: ['a', 'b'], version: '1.0' }), /'version' argument is ambiguous/);
  assert.throws(() => pipWords({ name: ['a==2'], version: '1.0' }), /conflicts with any version specifier/);
});

test.run();
