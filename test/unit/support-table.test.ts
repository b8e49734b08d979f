// The README's table of supported Ansible keywords, filters, tests, lookups, magic variables, facts and modules is
// what cli/support-table.ts generates from the code: run `npx tsx cli/support-table.ts --write` after a change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readmeWithTable, supportTable } from '../../cli/support-table.ts';
import { ROOT } from '../../engine/root.ts';

test('the README\'s table is the generated one', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(supportTable()), 'README.md is stale: run `npx tsx cli/support-table.ts --write`');
  assert.is(readmeWithTable(readme), readme);
});

test('the table names what the code supports and refuses', () => {
  const t = supportTable();
  for (const name of ['`include_tasks`', '`with_dict`', '`regex_replace`', '`version`', '`first_found`', '`hostvars`', '`os_family`', '`set_fact`']) {
    assert.ok(t.includes(name), name);
  }
  assert.match(t, /\| play keywords \| [^|]*`roles`[^|]*\| [^|]*`vars_prompt`/);
});

test.run();
