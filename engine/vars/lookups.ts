// lookup() and query() as Ansible has them, for the plugins roles use most: file, template and env, pipe (a
// command on this machine, as in Ansible), vars, first_found is not here yet. Files are found in the role
// (files/, templates/) and the playbook's directory, through the magic variables role_path and playbook_dir.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTextFile } from '../local-files.ts';
import { splitKw } from './filters.ts';

type Ctx = { ctx: Record<string, unknown> };
export type Render = (text: string, vars: Record<string, unknown>, name: string) => string;

/** Where a lookup's file is looked for, in Ansible's order. */
function find(ctx: Record<string, unknown>, sub: 'files' | 'templates', name: string): string {
  if (name.startsWith('/')) return name;
  const dirs = [ctx.role_path && join(String(ctx.role_path), sub), ctx.role_path && String(ctx.role_path),
    ctx.playbook_dir && join(String(ctx.playbook_dir), sub), ctx.playbook_dir && String(ctx.playbook_dir)].filter(Boolean) as string[];
  const hit = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!hit) throw new Error(`lookup: could not find ${sub === 'files' ? 'file' : 'template'} "${name}" (looked in ${dirs.join(', ') || 'nothing: no playbook_dir'})`);
  return hit;
}

export const LOOKUPS = ['file', 'template', 'env', 'pipe', 'vars', 'first_found'];

/**
 * first_found: the first of its files that exists, as an absolute path; terms are names, or mappings of `files`,
 * `paths` (relative to the role, then the playbook) and `skip` (no file: no item, instead of an error).
 */
export function firstFound(terms: unknown[], ctx: Record<string, unknown>): string[] {
  const roots = [ctx.role_path, ctx.playbook_dir].filter(Boolean).map(String);
  const tries: string[] = [];
  let skip = false;
  for (const t of terms.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
    const spec = t && typeof t === 'object' ? t as { files?: unknown; paths?: unknown; skip?: unknown } : { files: [t] };
    if (spec.skip === true) skip = true;
    const files = (Array.isArray(spec.files) ? spec.files : [spec.files]).filter((f) => f !== undefined).map(String);
    const paths = (Array.isArray(spec.paths) ? spec.paths : spec.paths === undefined ? [] : [spec.paths]).map(String);
    const dirs = paths.length ? paths.flatMap((p) => (p.startsWith('/') ? [p] : roots.map((r) => join(r, p))))
      : roots.flatMap((r) => [join(r, 'files'), r]);
    for (const f of files) tries.push(...(f.startsWith('/') ? [f] : dirs.map((d) => join(d, f))));
  }
  const hit = tries.find((p) => existsSync(p));
  if (hit) return [hit];
  if (skip) return [];
  throw new Error(`first_found: none of ${tries.join(', ')} exists`);
}

/** The lookup and query globals; `render` renders a template file's text with the current variables. */
export function lookupGlobals(render: Render): Record<string, (this: Ctx, ...a: unknown[]) => unknown> {
  const one = (c: Record<string, unknown>, plugin: string, term: string): unknown => {
    switch (plugin) {
      case 'file': return readTextFile(find(c, 'files', term), 'lookup file').replace(/\n$/, '');
      case 'template': return render(readTextFile(find(c, 'templates', term), 'lookup template'), c, term);
      case 'env': return process.env[term] ?? '';
      case 'pipe': return execFileSync('/bin/sh', ['-c', term], { encoding: 'utf8' }).replace(/\n$/, '');
      case 'vars':
        if (!(term in c)) throw new Error(`lookup vars: no variable "${term}"`);
        return c[term];
      default: throw new Error(`lookup "${plugin}" is not supported yet (${LOOKUPS.join(', ')} are)`);
    }
  };
  const run = function (this: Ctx, list: boolean, args: unknown[]) {
    const [pos, kw] = splitKw(args);
    if (pos[0] === 'first_found') {
      const found = firstFound([...pos.slice(1), ...(kw.files ? [{ files: kw.files, paths: kw.paths, skip: kw.skip }] : [])], this.ctx);
      return list || kw.wantlist ? found : found[0] ?? '';
    }
    const [plugin, ...terms] = pos.map(String);
    const values = terms.map((t) => one(this.ctx, plugin, t));
    if (list || kw.wantlist) return values;
    return plugin === 'vars' && values.length === 1 ? values[0] : values.map(String).join(',');
  };
  return {
    lookup(...args: unknown[]) { return run.call(this, false, args); },
    query(...args: unknown[]) { return run.call(this, true, args); },
    q(...args: unknown[]) { return run.call(this, true, args); },
  };
}
