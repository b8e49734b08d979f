#!/usr/bin/env node
// The house rules, checked over the imports of every source file (ARCHITECTURE.md, "Rooms"): which room may
// import which, commander and the module registry only in cli/, no import circle (type-only imports count),
// each exported type, interface and class defined once, and sudo written in engine/become.ts only.
// Run by .ci/run and by test/unit/rooms.test.ts. `node bin/check-rooms.mjs [ROOT]`: exit 1 with one line per
// broken rule (FILE:LINE: what), else one line saying what was checked.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Each room, and the rooms it may import from (itself included). cli/ may import every room. */
export const ROOMS = {
  engine: ['engine'],
  facts: ['engine', 'facts'],
  modules: ['engine', 'facts', 'modules'],
  lab: ['engine', 'lab'],
  loadtest: ['engine', 'loadtest'],
  providers: ['engine', 'lab', 'providers'],
  cli: ['cli', 'engine', 'facts', 'modules', 'lab', 'loadtest', 'providers'],
};
/** Packages only one room may import. */
const PACKAGE_ROOMS = { commander: ['cli'] };
/** Files only one room may import. */
const FILE_ROOMS = { 'modules/index.ts': ['cli'] };
/** The one file that may write a sudo command line. */
const BECOME = 'engine/become.ts';

const roomOf = (file) => file.split('/')[0];
const lineOf = (text, pos) => text.slice(0, pos).split('\n').length;

function sources(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(name)) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  for (const room of Object.keys(ROOMS)) if (existsSync(join(root, room))) walk(join(root, room));
  return out;
}

/** Every import of a file: relative ones resolved to a file of the tree, others as the package name. */
function importsOf(root, file, text) {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName, pos }) => {
    const line = lineOf(text, pos);
    if (fileName.startsWith('.')) return { line, file: relative(root, resolve(root, dirname(file), fileName)).split(sep).join('/') };
    if (fileName.startsWith('node:')) return { line, pkg: fileName };
    const parts = fileName.split('/');
    return { line, pkg: fileName.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
  });
}

/** Names of the exported types, interfaces and classes a file declares (not re-exports). */
function exportedTypes(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out = [];
  for (const st of sf.statements) {
    const exported = ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isClassDeclaration(st)) {
      if (st.name) out.push({ name: st.name.text, line: sf.getLineAndCharacterOfPosition(st.getStart()).line + 1 });
    }
  }
  return out;
}

/** Strongly connected components of more than one file (or a file importing itself): the import circles. */
function circles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? new Set()).has(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

export function checkRooms(root) {
  const problems = [];
  const files = sources(root);
  const graph = new Map();
  const types = new Map();
  let imports = 0;
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const room = roomOf(file);
    graph.set(file, new Set());
    for (const imp of importsOf(root, file, text)) {
      imports++;
      if (imp.pkg) {
        const only = PACKAGE_ROOMS[imp.pkg];
        if (only && !only.includes(room)) problems.push(`${file}:${imp.line}: ${room}/ imports ${imp.pkg}, which only ${only.join(', ')}/ may import`);
        continue;
      }
      const target = imp.file;
      const to = roomOf(target);
      if (!(to in ROOMS)) problems.push(`${file}:${imp.line}: ${room}/ imports ${target}, outside the rooms`);
      else if (!ROOMS[room].includes(to)) problems.push(`${file}:${imp.line}: ${room}/ imports ${target}: ${room}/ may import only ${ROOMS[room].join(', ')}`);
      const only = FILE_ROOMS[target];
      if (only && !only.includes(room)) problems.push(`${file}:${imp.line}: ${room}/ imports ${target}, which only ${only.join(', ')}/ may import`);
      graph.get(file).add(target);
    }
    for (const t of exportedTypes(file, text)) types.set(t.name, [...(types.get(t.name) ?? []), `${file}:${t.line}`]);
    if (file !== BECOME) {
      text.split('\n').forEach((l, i) => {
        if (/[`'"]sudo -/.test(l)) problems.push(`${file}:${i + 1}: a sudo command line outside ${BECOME} (become has one path: asUser, scriptAs)`);
      });
    }
  }
  for (const c of circles(graph)) problems.push(`${c[0]}:1: an import circle: ${c.join(' -> ')}`);
  for (const [name, at] of types) if (at.length > 1) problems.push(`${at[1]}: type ${name} is defined more than once: ${at.join(', ')}`);
  return { problems, files: files.length, imports };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const { problems, files, imports } = checkRooms(root);
  for (const p of problems) console.log(p);
  if (problems.length) {
    console.log(`rooms: ${problems.length} broken rule(s)`);
    process.exit(1);
  }
  console.log(`rooms: ${files} files, ${imports} imports: every rule holds`);
}
