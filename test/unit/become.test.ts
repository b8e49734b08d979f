// become: whom a task runs as (the innermost become_user, unless the host's ansible_become_user is set, which wins
// as a connection variable does in Ansible), and become keywords refused where written.
import { relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { becomeFor } from '../../engine/become.ts';
import { formatProblem } from '../../engine/errors.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { modules } from '../../modules/index.ts';

const fx = (p: string) => relative(process.cwd(), new URL(`../fixtures/playbooks/${p}`, import.meta.url).pathname);

test('the innermost become_user; ansible_become_user of the host over all; none as the connecting user', () => {
  const { plays, problems } = parsePlaybook(fx('become-users.yml'), modules);
  assert.equal(problems, []);
  const [play] = plays;
  const s = { connUser: 'root', becomeUser: 'root' };
  assert.equal(play.tasks.map((t) => becomeFor(play, t, s)?.user), ['nobody', 'daemon', 'bin', undefined]);
  assert.equal(play.tasks.map((t) => becomeFor(play, t, { ...s, becomeUser: 'www', becomeUserFixed: true })?.user), ['www', 'www', 'www', undefined]);
  assert.is(becomeFor(play, play.tasks[0], { connUser: 'nobody', becomeUser: 'root' }), undefined);
});

test('become_method other than sudo, a templated or invalid become_user: refused where written', () => {
  const f = fx('invalid/become-users.yml');
  assert.equal(parsePlaybook(f, modules).problems.map(formatProblem), [
    `${f}:6:20: become_user: a template is not supported yet`,
    `${f}:8:20: become_user "not a user" is not a user name`,
    `${f}:3:18: become_method "su" is not supported yet (sudo is)`,
  ]);
});

test.run();
