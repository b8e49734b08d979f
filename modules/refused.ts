// An argument Ansible's module takes that provision's refuses: a schema no value passes, whose description says why
// (validate reports it at the argument's line).
export const refused = (why: string) => ({ not: {}, description: why });

/** The same, worded "NAME is not supported: WHY". */
export const refusedArg = (name: string, why: string) => refused(`${name} is not supported: ${why}`);
