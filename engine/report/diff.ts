// Unified diffs of file content changes (the diff package, hunk ranges as difflib writes them for Ansible), a
// module's prepared text (git's), or a note when they cannot be shown.
import { createTwoFilesPatch } from 'diff';
import type { Change } from '../module.ts';

export const REDACTED = '(hidden: no_log or sensitive)';

export function renderDiff(change: Change, hidden: boolean): string | undefined {
  const d = change.diff;
  if (!d) return undefined;
  if (hidden || change.sensitive) return `--- ${d.path}\n${REDACTED}\n`;
  if (d.note) return `--- ${d.path}\n(${d.note})\n`;
  // Ansible's 'prepared' text (git's `git diff`): shown as it is, as Ansible's callback shows it.
  if (d.prepared !== undefined) return d.prepared.replace(/\n?$/, '\n');
  return createTwoFilesPatch(d.before === null ? '/dev/null' : d.path, d.after === null ? '/dev/null' : d.path, d.before ?? '', d.after ?? '', '', '', { context: 3 })
    .replace(/^(Index: .*\n)?=+\n/, '')
    .replace(/^(---|\+\+\+) (\S+)\t\n/gm, '$1 $2\n')
    // A hunk's range of one line as difflib writes it (Ansible's callback): its start alone ("+1", not "+1,1").
    .replace(/^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@$/gm, (_l, a: string, b: string) => `@@ -${a.replace(/,1$/, '')} +${b.replace(/,1$/, '')} @@`);
}
