// Argument parsers shared by subcommands.
import { InvalidArgumentError } from 'commander';

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
