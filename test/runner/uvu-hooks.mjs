// Module resolution hooks for the test files test/run.ts runs (registered by test/runner/preload.ts): a bare
// `import 'uvu'` resolves to test/runner/uvu.ts (uvu, with the errors it swallows shown), except from that
// file itself, which gets the real uvu. Plain JavaScript: these hooks run on Node's loader thread.
const wrapper = new URL('./uvu.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  // Resolved by the next hooks (tsx's), as if the file had named the wrapper itself.
  if (specifier === 'uvu' && context.parentURL?.split('?')[0] !== wrapper) return next(wrapper, context);
  return next(specifier, context);
}
