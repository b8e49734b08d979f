// apt's states build-dep and fixed on real lab hosts, with real Ansible as the oracle: provision applies
// test/fixtures/playbooks/apt-states.yml on ab-1, ansible-playbook on ab-2, after --check on each; the same
// statuses (build-dep changed when it installs, then ok; fixed installs with --fix-broken, which configures the
// broken package, or fails when apt-get refuses the names as a fix), the same packages left. provision's --check
// says what its run then does, or that it cannot tell.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { debBase64 } from '../helpers/debs.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apt build-dep and fixed against ansible-playbook');
const PB = 'test/fixtures/playbooks/apt-states.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ab', 2, (l, s) => { lab = l; ssh = s; });

/** The source package's entry in a flat repository's Sources index: apt-get build-dep reads its Build-Depends. */
const SOURCES = `Package: ab-src
Binary: ab-src
Version: 1.0
Maintainer: provision tests <debs@provision.invalid>
Build-Depends: pv
Architecture: all
Format: 3.0 (native)
Directory: .
Files:
 d41d8cd98f00b204e9800998ecf8427e 0 ab-src_1.0.dsc
`;

const SETUP = `set -e
mkdir -p /srv/ab-src && cat > /srv/ab-src/Sources <<'SRC'
${SOURCES}
SRC
echo 'deb-src [trusted=yes] file:/srv/ab-src ./' > /etc/apt/sources.list.d/ab-src.list
echo '#clear APT::Build-Essential;' > /etc/apt/apt.conf.d/99ab-no-build-essential
apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-apt >/dev/null
echo '${debBase64({ name: 'ab-broken', version: '1.0', fields: { Depends: 'bc' } })}' | base64 -d > /root/ab-broken.deb
dpkg -i /root/ab-broken.deb >/dev/null 2>&1 || true
dpkg-query -W -f '\${db:Status-Abbrev}' ab-broken`;

/** Every package with its status and version. */
const packages = (s: SshConnection) => sh(s, "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' | grep -v '^un' | sort");

test('the statuses of ansible-playbook, the same packages; --check exact or saying so', async () => {
  for (const s of ssh) assert.is((await sh(s, SETUP)).trim(), 'iU', 'ab-broken is unpacked, not configured');
  // --check of each part on the hosts as they are: what Ansible's check says, but where a change before it was only
  // simulated (Ansible's simulates again on the unchanged host; provision's says it cannot tell).
  const checks: Array<{ tags: string; tasks: Array<{ task: string; status: string; error?: string }> }> = [];
  for (const tags of ['fix', 'build']) {
    const mine = await applyJson([PB, '--limit', 'ab-1', '--check', '-t', tags], lab.inventory);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'ab-2', ['--check', '-t', tags]);
    assert.is(theirs.code, 0, theirs.raw);
    const tasks = asOracle(mine.report.hosts['ab-1'].tasks);
    const first = tags === 'build' ? 1 : 2; // the tasks before any simulated change
    assert.equal(tasks.slice(0, first), theirs.tasks.slice(0, first), `--check -t ${tags}`);
    checks.push({ tags, tasks: mine.report.hosts['ab-1'].tasks });
  }
  const mine = await applyJson([PB, '--limit', 'ab-1'], lab.inventory);
  assert.is(mine.code, 0, mine.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ab-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(mine.report.hosts['ab-1'].tasks), theirs.tasks);
  const applied = mine.report.hosts['ab-1'].tasks;
  assert.equal(applied.map((t) => t.status), ['failed', 'changed', 'ok', 'changed', 'ok']);
  assert.match(applied[0].error ?? '', "apt-get install --fix-broken would fail: E: Unmet dependencies. Try 'apt --fix-broken install' with no packages");
  // provision's --check: what the run did, or conditional, never a guess.
  for (const { tags, tasks } of checks) {
    for (const t of tasks) {
      const ran = applied.find((x) => x.task === t.task)!;
      if (t.status === 'conditional') assert.match(t.error ?? '', /^cannot be predicted/);
      else assert.is(`${t.task}: ${t.status}`, `${ran.task}: ${ran.status}`, `--check -t ${tags}: never a guess`);
    }
  }
  const [a, b] = await Promise.all(ssh.map(packages));
  assert.is(a, b, 'the same packages');
  assert.match(a, /^ii +pv /m);
  assert.match(a, /^ii +ab-broken 1\.0$/m);
  assert.match(a, /^ii +bc /m);
  assert.not.match(a, / tree /, 'apt-get refused tree as a fix');
  // Converged: tree would now install (nothing is broken any more), in Ansible's check as in provision's, which
  // cannot tell what follows that simulated change; without it, nothing to change.
  const after = await applyJson([PB, '--limit', 'ab-1', '--check'], lab.inventory);
  const theirAfter = await ansiblePlaybook(PB, lab.inventory, 'ab-2', ['--check']);
  assert.equal(asOracle(after.report.hosts['ab-1'].tasks)[0], theirAfter.tasks[0]);
  assert.equal(after.report.hosts['ab-1'].tasks.map((t) => t.status), ['changed', 'conditional', 'conditional', 'conditional', 'conditional'], after.raw);
  const rest = await applyJson([PB, '--limit', 'ab-1', '--check', '--skip-tags', 'refused'], lab.inventory);
  const theirRest = await ansiblePlaybook(PB, lab.inventory, 'ab-2', ['--check', '--skip-tags', 'refused']);
  assert.equal(asOracle(rest.report.hosts['ab-1'].tasks), theirRest.tasks);
  assert.equal(rest.report.hosts['ab-1'].tasks.map((t) => t.status), ['ok', 'ok', 'ok', 'ok'], rest.raw);
});

test.run();
