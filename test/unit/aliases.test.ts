// Ansible's other names of module arguments (lineinfile's dest for path, apt's pkg for name...): taken as the
// argument itself, with problems reported where the alias is written, and an argument given twice refused.
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem } from '../../engine/errors.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { modules } from '../../modules/index.ts';

const file = relative(process.cwd(), new URL('../fixtures/playbooks/aliases.yml', import.meta.url).pathname);

test('aliases become the argument; two names of one argument, and a bad value under an alias, refused where written', () => {
  const { plays, problems } = parsePlaybook(file, modules);
  const [dest, name, pkg, user] = plays[0].tasks;
  assert.equal(dest.args, { path: '/etc/default/haproxy', regexp: '^ENABLED', line: 'ENABLED=1' });
  assert.equal(name.args, { path: '/srv/app', state: 'directory' });
  assert.equal(pkg.args, { name: ['nginx', 'git'], update_cache: true });
  assert.equal(user.args, { name: 'deploy', create_home: true });
  assert.equal(dest.argWhere(['path']), { file, line: 6, col: 15 }, 'an argument is found where its alias is written');
  assert.equal(pkg.argWhere(['name', 1]), { file, line: 12, col: 27 });
  assert.equal(problems.map(formatProblem), [
    `${file}:18:9: lineinfile: "dest" and "path" are the same argument: give one`,
    `${file}:21:19: apt: "name" must be a Debian package name, optionally with ":architecture" and "=version" (like nginx, libc6:amd64 or nginx=1.22.1-9)`,
  ]);
});

test.run();
