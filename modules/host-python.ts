// Python programs a module runs on the host (python3 is there wherever Ansible runs): the arguments travel as one
// line of JSON on stdin and the program after it, both read by one loader, so neither is ever shell text nor on a
// command line where the host's other users could read it (get_url, unarchive, uri).
import { shq } from '../engine/shell.ts';

/** python3 -c of this: the arguments from stdin's first line (as `a`), then the program `name` from the rest. */
export const pyLoader = (name: string): string => `import json,sys;a=json.loads(sys.stdin.readline());exec(compile(sys.stdin.read(),'${name}','exec'))`;

/** The sh of a fact that runs `program` with `args` that way. */
export const pyScript = (name: string, args: unknown, program: string): string =>
  `{ printf '%s\\n' ${shq(JSON.stringify(args))}; printf '%s' ${shq(program)}; } | python3 -c ${shq(pyLoader(name))}`;
