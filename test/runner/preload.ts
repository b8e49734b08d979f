// Loaded by test/run.ts into each test file's process, after tsx (`node --import tsx --import THIS FILE`):
// registers test/runner/uvu-hooks.mjs, which sends the file's `import 'uvu'` to test/runner/uvu.ts.
import { register } from 'node:module';

register('./uvu-hooks.mjs', import.meta.url);
