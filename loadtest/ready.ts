// Before a measurement: every instance answers /ping, and HAProxy sends traffic to all of them (its
// health checks need `rise` successes before a new server is UP). One exec on the host, polling there.
import type { Conn } from '../engine/transport/conn.ts';
import { shq } from '../engine/shell.ts';

export type ReadyTarget = { basePort: number; instances: number; statsPort: number; timeoutS: number };

/** The script: /ping on 127.0.0.1:basePort.. answers 200, then exactly `instances` servers listed and all UP. */
export function readyScript(t: ReadyTarget): string {
  const ports = Array.from({ length: t.instances }, (_, i) => t.basePort + i).join(' ');
  const stats = shq(`http://127.0.0.1:${t.statsPort}/;csv`);
  return `
end=$(( $(date +%s) + ${t.timeoutS} ))
late() { [ "$(date +%s)" -ge "$end" ]; }
for p in ${ports}; do
  until curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$p/ping" 2>/dev/null; do
    if late; then echo "the instance on port $p did not answer /ping with 200 within ${t.timeoutS} s" >&2; exit 1; fi
    sleep 0.2
  done
done
# HAProxy's CSV: pxname, svname, ..., status (18th). Servers are the rows that are not FRONTEND/BACKEND;
# "UP 1/2" is a server about to go down: not ready.
count() { curl -fsS -m 2 ${stats} 2>/dev/null | awk -F, '$1 !~ /^#/ && $2 != "FRONTEND" && $2 != "BACKEND" && NF > 17 {n++; if ($18 == "UP") up++; else s = s " " $2 "=" $18} END {print n + 0, up + 0, s}'; }
until c=$(count) && [ "$c" = "${t.instances} ${t.instances} " ]; do
  if late; then echo "HAProxy (stats on 127.0.0.1:${t.statsPort}) does not have ${t.instances} servers all UP within ${t.timeoutS} s (servers, UP, others: $c)" >&2; exit 1; fi
  sleep 0.2
done
`;
}

export async function waitReady(conn: Conn, t: ReadyTarget): Promise<void> {
  const r = await conn.exec('sh -s', { stdin: readyScript(t) });
  if (r.code !== 0) throw new Error(r.stderr.trim() || r.stdout.trim() || `waiting for the instances failed (exit ${r.code})`);
}
