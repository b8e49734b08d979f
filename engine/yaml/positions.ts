// YAML loading that keeps where each value and key sits in the source, for file:line:col errors.
// One parse (js-yaml's event stream) gives both the value and a map from JSON-pointer paths to positions.
import { EVENT_ID, SCALAR_STYLE, parseEvents, constructFromEvents, getScalarValue, YAMLException, type Event, type ScalarEvent } from 'js-yaml';
import { EXIT, UserError } from '../errors.ts';
import { unclosedAt } from './unclosed.ts';
import { ANSIBLE_SCHEMA, vaultFailure } from './schema.ts';

/** A 1-based place in a source text. */
export type Position = { line: number; col: number };
export type YamlPath = (string | number)[];

export type PositionedYaml = {
  /** The document's value; undefined for an empty file. */
  value: unknown;
  /** Where the value at `path` starts (for an empty value: where its key is). */
  pos(path: YamlPath): Position | undefined;
  /** Where the key naming the value at `path` is (mapping entries only). */
  keyPos(path: YamlPath): Position | undefined;
};

/** Turns offsets into 1-based line and column. */
export function lineCounter(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  };
}

/** Where a scalar's text starts: its opening quote, or its `|`/`>` header for a block scalar. */
function scalarStart(text: string, e: ScalarEvent): number {
  if (e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED) return e.valueStart - 1;
  if (e.style === SCALAR_STYLE.LITERAL_BLOCK || e.style === SCALAR_STYLE.FOLDED_BLOCK) {
    const header = Math.max(text.lastIndexOf('|', e.valueStart), text.lastIndexOf('>', e.valueStart));
    return header >= 0 ? header : e.valueStart;
  }
  return e.valueStart;
}

type Frame = { kind: 'doc' | 'map' | 'seq' | 'skip'; path: YamlPath; index: number; key?: string | null; merges: YamlPath[] };

const id = (path: YamlPath) => JSON.stringify(path);

/** Copies the positions under `from` to the same places under `to`; existing ones are kept when `keep`. */
function copyTree(table: Map<string, Position>, from: YamlPath, to: YamlPath, keep: boolean): void {
  const prefix = id(from).slice(0, -1);
  const target = id(to).slice(0, -1);
  for (const [k, p] of [...table]) {
    if (k !== `${prefix}]` && !k.startsWith(`${prefix},`)) continue;
    const moved = target + k.slice(prefix.length);
    if (!(keep && table.has(moved))) table.set(moved, p);
  }
}

/** Parses one YAML document; a syntax error is a YamlSyntaxError "FILE:LINE:COL: reason" (exit code 4). */
export function loadWithPositions(text: string, filename: string): PositionedYaml {
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, { filename });
    docs = constructFromEvents(events, { source: text, filename, schema: ANSIBLE_SCHEMA });
  } catch (err) {
    throw yamlError(err, filename, text);
  }
  if (docs.length > 1) throw new UserError(`${filename}: holds ${docs.length} YAML documents; expected one`, EXIT.invalid);
  const at = lineCounter(text);
  const values = new Map<string, Position>();
  const keys = new Map<string, Position>();
  const anchors = new Map<string, YamlPath>();
  const seqs = new Set<string>();
  const seqLength = (path: YamlPath) => {
    let n = 0;
    while (values.has(id([...path, n]))) n++;
    return n;
  };
  const stack: Frame[] = [];
  // The path a node now starting takes, or null when it is a mapping key (recorded separately).
  const place = (): YamlPath | null => {
    const top = stack[stack.length - 1];
    if (!top || top.kind === 'doc') return [];
    if (top.kind === 'skip') return null;
    if (top.kind === 'seq') return [...top.path, top.index++];
    if (top.key === undefined) return null;
    const path = [...top.path, top.key ?? '?'];
    if (top.key === '<<') top.merges.push(path);
    top.key = undefined;
    return path;
  };
  for (const e of events) {
    if (e.type === EVENT_ID.DOCUMENT) {
      stack.push({ kind: 'doc', path: [], index: 0, merges: [] });
      continue;
    }
    if (e.type === EVENT_ID.POP) {
      const done = stack.pop();
      // `<<: *a` merges one mapping, `<<: [*a, *b]` several (the first wins); explicit keys win over both.
      for (const m of done?.merges ?? []) {
        const sources = seqs.has(id(m)) ? [...Array(seqLength(m)).keys()].map((i) => [...m, i]) : [m];
        for (const from of sources) {
          copyTree(values, from, done!.path, true);
          copyTree(keys, from, done!.path, true);
        }
      }
      continue;
    }
    const top = stack[stack.length - 1];
    const path = place();
    if (path === null) {
      // A mapping key: a scalar names the entry; a collection key is skipped whole.
      if (top.kind === 'map') {
        top.key = e.type === EVENT_ID.SCALAR ? getScalarValue(text, e) : null;
        const start = e.type === EVENT_ID.SCALAR && e.valueStart >= 0 ? scalarStart(text, e) : -1;
        if (start >= 0) keys.set(id([...top.path, top.key ?? '?']), at(start));
      }
      if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) stack.push({ kind: 'skip', path: [], index: 0, merges: [] });
      continue;
    }
    if (e.type === EVENT_ID.ALIAS) {
      const from = anchors.get(text.slice(e.anchorStart, e.anchorEnd));
      values.set(id(path), at(e.anchorStart - 1));
      if (from) {
        copyTree(values, from, path, false);
        copyTree(keys, from, path, false);
        values.set(id(path), at(e.anchorStart - 1));
      }
      continue;
    }
    if (e.anchorStart >= 0) anchors.set(text.slice(e.anchorStart, e.anchorEnd), path);
    if (e.type === EVENT_ID.SCALAR) {
      if (e.valueStart >= 0) values.set(id(path), at(scalarStart(text, e)));
      continue;
    }
    values.set(id(path), at(e.start));
    if (e.type === EVENT_ID.SEQUENCE) seqs.add(id(path));
    stack.push({ kind: e.type === EVENT_ID.MAPPING ? 'map' : 'seq', path, index: 0, merges: [] });
  }
  return {
    value: docs.length ? docs[0] : undefined,
    pos: (path) => values.get(id(path)) ?? keys.get(id(path)),
    keyPos: (path) => keys.get(id(path)),
  };
}

/** A YAML syntax error: a UserError "FILE:LINE:COL: reason" that keeps js-yaml's `reason` and 0-based `mark`. */
export class YamlSyntaxError extends UserError {
  constructor(readonly file: string, readonly reason: string, readonly mark?: { line: number; column: number }) {
    super(`${mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file}: ${reason}`, EXIT.invalid);
  }
}

/**
 * A js-yaml error as a YamlSyntaxError; any other error is passed through. Where js-yaml gave up on an
 * indentation or at the end of the file and a `[`, `{` or quote is still open (given the `text`), the error
 * points at that opener instead, and says where the parser stopped.
 */
export function yamlError(err: unknown, filename: string, text?: string): unknown {
  if (!(err instanceof YAMLException)) return err;
  const mark = err.mark as { line: number; column: number; position: number } | undefined;
  if (/!<?!vault>? explicit tag/.test(err.reason) && vaultFailure.reason) {
    const reason = vaultFailure.reason;
    vaultFailure.reason = undefined;
    return new YamlSyntaxError(filename, reason, mark && { line: mark.line, column: mark.column });
  }
  if (text !== undefined && mark && /deficient indentation|end of the stream/.test(err.reason)) {
    const open = unclosedAt(text, mark.position);
    if (open) {
      const at = lineCounter(text)(open.offset);
      const reason = `${open.what} is not closed (the parser stopped at ${mark.line + 1}:${mark.column + 1}: ${err.reason})`;
      return new YamlSyntaxError(filename, reason, { line: at.line - 1, column: at.col - 1 });
    }
  }
  return new YamlSyntaxError(filename, err.reason, mark && { line: mark.line, column: mark.column });
}
