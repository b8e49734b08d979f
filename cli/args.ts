// Argument parsers and options shared by subcommands, defined once so their help and parsing cannot drift.
import { InvalidArgumentError, Option } from 'commander';

export function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

/** A duration in seconds: `20`, `20s`, `2m` (1 s to `max` s). */
export function seconds(max: number) {
  return (value: string): number => {
    const m = /^(\d+)(s|m)?$/.exec(value.trim());
    const n = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : NaN;
    if (!(n >= 1 && n <= max)) throw new InvalidArgumentError(`expected a duration such as 20s or 2m, from 1 s to ${max} s`);
    return n;
  };
}

/** A comma-separated list of whole numbers from 1 to `max`: `1,2,3,5`. */
export function intList(max: number) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    const each = positiveInt(max);
    try {
      return parts.map((p) => each(p));
    } catch {
      throw new InvalidArgumentError(`expected whole numbers from 1 to ${max}, separated by commas (e.g. 1,2,3,5)`);
    }
  };
}

/** A size in bytes: `512k`, `256m`, `2g` (or plain bytes), at least `min` bytes. */
export function bytes(min: number) {
  return (value: string): number => {
    const m = /^(\d+)([kmg]?)$/i.exec(value.trim());
    const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf(m[2].toLowerCase() || ' ') : NaN;
    if (!m || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a size such as 256m or 1g (at least ${min / 1024} KiB)`);
    return n;
  };
}

export const collect = (v: string, prev: string[] = []) => [...prev, v];
export const csv = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** The options apply, validate, vars and load share. */
export const inventoryOption = () => new Option('-i, --inventory <path>', 'inventory file or directory (default: inventory in ansible.cfg)');
export const extraVarsOption = () => new Option('-e, --extra-vars <vars>', 'key=value, a JSON object, or @file.yml (repeatable)').argParser(collect);
export const limitOption = () => new Option('-l, --limit <pattern>', 'only hosts matching the pattern');
export const acceptNewOption = () =>
  new Option('--accept-new', 'trust a host with no known host key on first contact and record its key (a changed key still fails)');
export const lockWaitOption = () =>
  new Option('--lock-wait <seconds>', 'wait this long for another apply on a host to finish (default: refuse at once)').argParser(positiveInt(86_400));

/** The option every command that may read a vault file has (apply, validate, vars, vault, load). */
export const vaultPasswordOption = () =>
  new Option('--vault-password-file <file>', 'vault password: the first line of this file (else $PROVISION_VAULT_PASSWORD, else a prompt)');
