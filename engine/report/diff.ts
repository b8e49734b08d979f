// Unified diffs of file content changes (the diff package), or a note when they cannot be shown.
import { createTwoFilesPatch } from 'diff';
import type { Change } from '../module.ts';

export const REDACTED = '(hidden: no_log or sensitive)';

export function renderDiff(change: Change, hidden: boolean): string | undefined {
  const d = change.diff;
  if (!d) return undefined;
  if (hidden || change.sensitive) return `--- ${d.path}\n${REDACTED}\n`;
  if (d.note) return `--- ${d.path}\n(${d.note})\n`;
  return createTwoFilesPatch(d.before === null ? '/dev/null' : d.path, d.after === null ? '/dev/null' : d.path, d.before ?? '', d.after ?? '', '', '', { context: 3 })
    .replace(/^Index: .*\n=+\n/, '')
    .replace(/^(---|\+\+\+) (\S+)\t\n/gm, '$1 $2\n');
}
