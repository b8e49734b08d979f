// The error a call throws, checked to be of the expected class (anything else, or nothing, fails).

export function thrown<E extends Error>(kind: new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (err) {
    if (err instanceof kind) return err;
    throw err;
  }
  throw new Error(`no ${kind.name} was thrown`);
}
