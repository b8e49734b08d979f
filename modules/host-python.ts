// Python programs a module runs on the host (python3 is there wherever Ansible runs): the arguments travel as one
// line of JSON on stdin and the program after it, both read by one loader, so neither is ever shell text nor on a
// command line where the host's other users could read it (get_url, unarchive, uri).
import type { FactDef } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

/** python3 -c of this: the arguments from stdin's first line (as `a`), then the program `name` from the rest. */
export const pyLoader = (name: string): string => `import json,sys;a=json.loads(sys.stdin.readline());exec(compile(sys.stdin.read(),'${name}','exec'))`;

/** The sh of a fact that runs `program` with `args` that way. */
export const pyScript = (name: string, args: unknown, program: string): string =>
  `{ printf '%s\\n' ${shq(JSON.stringify(args))}; printf '%s' ${shq(program)}; } | python3 -c ${shq(pyLoader(name))}`;

/**
 * A fact that runs `program` (sh) on the host and takes the last line it prints as JSON: without python3 there, or
 * output that is not JSON, the result is a failure saying so (`module` names whose program it is).
 */
export function pyJson<T>(module: string, program: string): Pick<FactDef<T | { failed: true; msg: string }>, 'script' | 'parse'> {
  return {
    script: `command -v python3 >/dev/null 2>&1 || { echo nopython; exit 0; }; ${program}`,
    parse(out, code) {
      if (out.trim() === 'nopython') return { failed: true, msg: `${module} runs python3 on the host, as Ansible does: it is not installed` };
      try {
        return JSON.parse(out.trim().split('\n').at(-1)!) as T;
      } catch {
        return { failed: true, msg: `${module}'s program on the host exited ${code}: ${out.slice(0, 300)}` };
      }
    },
  };
}
