// apt's --diff text (modules/apt-common.ts aptDiffText) against Ansible's own parse_diff (its apt module, imported
// by /usr/bin/python3) on apt-get outputs of each kind: an install (real and simulated, with the "no longer
// required" notice), a removal, an upgrade with "packages upgraded", output without the markers, an empty one.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Step } from '../../engine/module.ts';
import { aptDiffRead, aptDiffText } from '../../modules/apt-common.ts';

const argv = (s: Step | undefined): string[] => (s && 'exec' in s ? s.exec : []);

const HEAD = 'Reading package lists...\nBuilding dependency tree...\nReading state information...\n';
const OUTPUTS = [
  `${HEAD}The following additional packages will be installed:\n  libjq1 libonig5\nThe following NEW packages will be installed:\n  jq libjq1 libonig5\n0 upgraded, 3 newly installed, 0 to remove and 23 not upgraded.\nInst libonig5 (6.9.8-1 Debian:12.12/stable [amd64])\nConf jq (1.6-2.1+deb12u3 Debian:12.12/stable [amd64])\n`,
  `NOTE: This is only a simulation!\n      apt-get needs root privileges for real execution.\n${HEAD}The following packages were automatically installed and are no longer required:\n  jq libjq1 libonig5\nUse 'apt autoremove' to remove them.\nThe following NEW packages will be installed:\n  bc\n0 upgraded, 1 newly installed, 0 to remove and 22 not upgraded.\nNeed to get 108 kB of archives.\nSetting up bc (1.07.1-3+b1) ...\n`,
  `${HEAD}The following packages will be REMOVED:\n  tree*\n0 upgraded, 0 newly installed, 1 to remove and 23 not upgraded.\n(Reading database ... 9000 files)\n`,
  `Reading package lists...\nBuilding dependency tree...\nResolving dependencies...\nThe following packages will be upgraded:\n  aa-one\n1 packages upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\nInst aa-one\n`,
  'Selecting previously unselected package aa-one.\nUnpacking aa-one (1.0) ...\n',
  `${HEAD}0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n`,
  '',
];

test('the text is what Ansible\'s parse_diff keeps of each output', () => {
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import json, sys
from ansible.modules.apt import parse_diff
print(json.dumps([parse_diff(o)['prepared'] for o in json.load(sys.stdin)]))`], { input: JSON.stringify(OUTPUTS), encoding: 'utf8' })) as string[];
  assert.equal(OUTPUTS.map(aptDiffText), theirs);
  assert.is(theirs[0].split('\n').length, 5);
});

test('the read simulates the same apt-get words; with the lists updated first only outside check mode', () => {
  const words = ['apt-get', 'install', '-y', '-q', 'jq'];
  const plain = aptDiffRead(words);
  assert.equal(argv(plain.step), ['apt-get', '-s', 'install', '-y', '-q', 'jq']);
  assert.ok(plain.inCheck && plain.when === 'before' && plain.checkStep === undefined);
  const updating = aptDiffRead(words, { update_cache_retries: 2 });
  assert.equal(argv(updating.checkStep), argv(plain.step));
  assert.equal(argv(updating.step).slice(-6), argv(plain.step));
  assert.ok(argv(updating.step).includes('2'));
  assert.equal(updating.show!('x\nReading state information...\nA\n0 upgraded, 1 newly\nB')?.prepared, 'A\n0 upgraded, 1 newly');
  assert.throws(() => aptDiffRead(['dpkg', '-i', 'x.deb']), /not an apt-get command/);
});

test.run();
