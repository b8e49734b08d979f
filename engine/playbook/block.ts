// Blocks: `block` with `rescue` and `always`, nested as deep as written. What a block says of its tasks (when,
// tags, become, ignore_errors, no_log, vars) is handed down to each of them, as Ansible does: a block's `when` is
// evaluated again for every task inside it.
import type { BlockDef, Item, TaskDef } from './types.ts';
import { parseMeta, parseReuse, reuseKey } from './include.ts';
import { type Inherited, parseTask } from './task.ts';
import { inheritFrom } from './inherit.ts';
import { type Path, type Reader, TASK_KEYWORDS_NOT_YET, isMap } from './reader.ts';

export const BLOCK_KEYS = new Set(['name', 'block', 'rescue', 'always', 'when', 'tags', 'become', 'become_user', 'become_method', 'check_mode', 'environment', 'ignore_errors', 'ignore_unreachable', 'no_log', 'vars', 'run_once', 'delegate_to']);
const SECTIONS = ['block', 'rescue', 'always'] as const;

/**
 * The items of a task list (`kind`: "task" or "handler"), and every task among them in the order written
 * (`flat`). Handlers take no blocks yet. An item dropped for its problems leaves no gap in the places of the next.
 */
export function parseItems(r: Reader, raw: unknown[], p: Path, kind: string, inh: Inherited, flat: TaskDef[]): Item[] {
  const items: Item[] = [];
  raw.forEach((one, j) => {
    const here = [...p, j];
    if (isMap(one) && 'block' in one) {
      if (kind !== 'task') {
        r.problem(r.at([...here, 'block'], true), `a block in ${kind}s is not supported yet`);
        return;
      }
      const b = parseBlock(r, one, here, inh, flat);
      if (b) items.push(b);
      return;
    }
    const reuse = isMap(one) ? reuseKey(one) : undefined;
    if (reuse) {
      items.push(...parseReuse(r, one as Record<string, unknown>, here, reuse, kind, inh, flat, parseItems));
      return;
    }
    if (isMap(one) && 'meta' in one) {
      const m = parseMeta(r, one, here, kind, inh);
      if (m) items.push(m);
      return;
    }
    const t = parseTask(r, one, here, kind, inh);
    if (t) {
      items.push(t);
      flat.push(t);
    }
  });
  return items;
}

function parseBlock(r: Reader, raw: Record<string, unknown>, p: Path, inh: Inherited, flat: TaskDef[]): BlockDef | undefined {
  for (const k of Object.keys(raw).filter((k) => !BLOCK_KEYS.has(k))) {
    r.problem(r.at([...p, k], true), TASK_KEYWORDS_NOT_YET.has(k) ? `the block keyword "${k}" is not supported yet` : `unknown block keyword "${k}"`);
  }
  const inner = inheritFrom(r, raw, p, inh);
  const sections: Partial<Record<(typeof SECTIONS)[number], Item[]>> = {};
  for (const s of SECTIONS) {
    const v = raw[s];
    if (v === undefined || v === null) {
      sections[s] = [];
      continue;
    }
    if (!Array.isArray(v)) {
      r.problem(r.at([...p, s]), `${s} is a list of tasks`);
      return undefined;
    }
    sections[s] = parseItems(r, v, [...p, s], 'task', inner, flat);
  }
  return { block: sections.block!, rescue: sections.rescue!, always: sections.always!, name: raw.name !== undefined ? String(raw.name) : 'block', where: r.at(p) };
}
