// uvu as test/run.ts hands it to each test file (test/runner/preload.ts sends `import 'uvu'` here): uvu 0.5.6
// itself, with what it would swallow made visible. uvu runs a suite in a try whose finally returns, so an
// error that escapes a test's own try ends the suite without a word: a `before` hook that throws (a lab that
// did not come up) leaves "(0 / N)", no mark, no message, exit 0; so does a test that throws a value with no
// name (a string: uvu's formatter fails on it), or an `after.each` hook that throws after a failed test.
// Here: those hooks print their reason to stderr before rethrowing, and a nameless throw becomes an Error
// that uvu reports as the test's failure. test/run.ts counts the tests that never ran as failed.
import { inspect } from 'node:util';
import * as uvu from 'uvu';
import type { Callback, Test } from 'uvu';

type Context = Record<string, any>; // uvu's default context

/** A hook whose error is printed (uvu would drop it) and rethrown (so uvu still ends the suite). */
function loud<T>(what: string, hook: Callback<T>): Callback<T> {
  return async (ctx) => {
    try {
      await hook(ctx);
    } catch (err) {
      process.stderr.write(`\n[uvu] ${what}: ${err instanceof Error ? err.stack ?? err.message : inspect(err)}\n`);
      throw err;
    }
  };
}

/** A test whose thrown non-errors (anything without a name) become Errors uvu can report. */
function named<T>(handler: Callback<T>): Callback<T> {
  return async (ctx) => {
    try {
      await handler(ctx);
    } catch (err) {
      if (typeof (err as { name?: unknown } | null)?.name === 'string') throw err;
      throw new Error(`the test threw ${inspect(err)}, which is not an Error`);
    }
  };
}

function wrap<T>(t: Test<T>, title: string): Test<T> {
  const suite = title ? `suite "${title}"` : 'the default suite';
  const w = ((name: string, handler: Callback<T>) => t(name, named(handler))) as Test<T>;
  w.only = (name, handler) => t.only(name, named(handler));
  w.skip = t.skip;
  w.run = t.run;
  w.before = Object.assign((hook: Callback<T>) => t.before(loud(`${suite}: a before hook threw, so its tests did not run`, hook)), {
    each: t.before.each,
  });
  w.after = Object.assign((hook: Callback<T>) => t.after(hook), {
    each: (hook: Callback<T>) => t.after.each(loud(`${suite}: an after.each hook threw`, hook)),
  });
  return w;
}

export const test: Test<Context> = wrap(uvu.test, '');
export function suite<T = Context>(title?: string, context?: T): Test<T> {
  return wrap(uvu.suite(title, context), title ?? '');
}
export const exec = uvu.exec;
