// The knee of a load table: the instance count past which adding instances gains less than 10% req/s.

export type KneePoint = { instances: number; rps: number };

/**
 * The first count whose successor gains less than `gain` (10%) in req/s, rows taken by instance count;
 * undefined while every step still gains (or with fewer than two rows).
 */
export function knee(rows: KneePoint[], gain = 0.1): number | undefined {
  const sorted = [...rows].sort((a, b) => a.instances - b.instances);
  for (let i = 0; i + 1 < sorted.length; i++) {
    if (sorted[i + 1].rps < sorted[i].rps * (1 + gain)) return sorted[i].instances;
  }
  return undefined;
}
