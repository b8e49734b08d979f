// provision load's pure parts: reading the host's CPU and memory from /proc, the table with its knee
// and problems, the JSON, the HTML page (escaped, self-contained), the CLI's list and duration parsers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { intList, seconds } from '../../cli/args.ts';
import { htmlReport } from '../../loadtest/html.ts';
import { type LoadResult, type Row, formatResult, hasProblems, jsonResult } from '../../loadtest/results.ts';
import { cpuPercent, parseSample } from '../../loadtest/sample.ts';

const machine = (busy: number, idle: number, mem: number, up: number) =>
  `kind machine\ncpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\nmemkb ${mem}\nncpu 2\nhz 100\nuptime ${up}\n`;

test('a machine: busy share of /proc/stat between two samples, MemTotal - MemAvailable', () => {
  const a = parseSample(machine(1000, 9000, 512_000, 100.5));
  const b = parseSample(machine(1600, 9400, 600_000, 102.5));
  assert.is(a.kind, 'machine');
  assert.is(a.memKb, 512_000);
  assert.is(cpuPercent(a, b), 60, '600 busy of 1000 ticks');
});

test('a container: its processes\' CPU ticks over wall time and CPUs', () => {
  const s = (ticks: number, up: number) => parseSample(`kind container\nticks ${ticks}\nmemkb 140000\nncpu 2\nhz 100\nuptime ${up}\n`);
  // 150 ticks at 100 Hz = 1.5 CPU-seconds over 2 s of 2 CPUs: 37.5%.
  assert.is(cpuPercent(s(1000, 10), s(1150, 12)), 37.5);
  assert.is(cpuPercent(s(1000, 10), s(1000, 10)), 0, 'no time passed');
  assert.throws(() => parseSample('kind container\nmemkb 1\nncpu 1\nhz 100\nuptime 1\n'), /no ticks/);
  assert.throws(() => parseSample('sh: 1: /proc: not found\n'), /cannot read/);
});

const row = (instances: number, rps: number, extra: Partial<Row> = {}): Row => ({
  instances, rps, p50: 4, p97_5: 9, p99: 12, errors: 0, keepAliveResets: 0, non2xx: 0, requests: rps * 5, seconds: 5,
  sticky: { sessions: 10, kept: rps * 5 - 10, moved: 0 }, cpu: 40, memMb: 150, ...extra,
});
const result = (rows: Row[], more: Partial<LoadResult> = {}): LoadResult => ({
  playbook: 'playbooks/droplet.yml', path: '/', durationS: 5, connections: 10, counts: rows.map((r) => r.instances),
  hosts: [{ host: 'web-1', url: 'http://10.0.0.1/', ncpu: 2, rows }], restored: true, ...more,
});
const red = (s: string) => `<red>${s}</red>`;

test('the table: one row per count, the knee marked and explained; no problems, nothing red', () => {
  const res = result([row(1, 1000), row(2, 1900), row(3, 2000)]);
  const text = formatResult(res, red);
  const lines = text.split('\n');
  assert.match(lines[0], /^web-1 {2}http:\/\/10\.0\.0\.1\/ {2}\(5 s at 10 connections per count; cpu % of 2 CPU\(s\)\)/);
  assert.match(lines[1], /instances\s+req\/s\s+p50 ms\s+p97\.5 ms\s+p99 ms\s+errors\s+non-2xx\s+sessions\s+moved\s+cpu %\s+mem MB/);
  assert.match(lines[3], /^\s+2\s+1900 .*<- knee$/);
  assert.not.match(lines[2], /knee/);
  assert.match(text, /knee: 2 instance\(s\); going to 3 adds less than 10% req\/s/);
  assert.not.match(text, /<red>/);
  assert.is(hasProblems(res), false);
  assert.match(formatResult(result([row(1, 100), row(2, 200)]), red), /no knee: every step added 10% req\/s or more/);
});

test('errors, non-2xx and moved sessions: the row and a summary in red, and a problem for the exit code', () => {
  const res = result([row(1, 1000), row(3, 900, { non2xx: 7, sticky: { sessions: 10, kept: 100, moved: 2 } })]);
  const text = formatResult(res, red);
  assert.match(text, /<red>\s+3\s+900 .*7 non-2xx answer\(s\), 2 session\(s\) moved to another instance \(affinity broken\)<\/red>/);
  assert.match(text, /<red>errors under load on web-1/);
  assert.is(hasProblems(res), true);
  assert.is(hasProblems(result([row(1, 10)], { restored: false })), true, 'a count not put back is a failure');
  assert.match(formatResult(result([row(1, 10)], { restored: false, error: 'apply -e instances=2 failed' }), red),
    /<red>load stopped: apply -e instances=2 failed<\/red>\n<red>the playbook's own instance count was NOT applied again/);
});

test('JSON: every number, the knee (null when none), ok', () => {
  const doc = JSON.parse(jsonResult(result([row(1, 1000), row(2, 1050)])));
  assert.is(doc.ok, true);
  assert.equal(doc.instances, [1, 2]);
  assert.is(doc.hosts['web-1'].knee, 1);
  assert.equal(doc.hosts['web-1'].rows[1], { instances: 2, rps: 1050, p50_ms: 4, p97_5_ms: 9, p99_ms: 12, errors: 0, keepalive_resets: 0, non2xx: 0, requests: 5250,
    seconds: 5, sessions: 10, sessions_kept: 5240, sessions_moved: 0, cpu_percent: 40, mem_mb: 150, problems: [] });
  assert.is(JSON.parse(jsonResult(result([row(1, 1000), row(2, 2000)]))).hosts['web-1'].knee, null);
});

test('HTML: self-contained (Chart.js inline, no external src or href), host names escaped, data in a JSON script', () => {
  const res = result([row(1, 1000), row(2, 1050)]);
  res.hosts[0].host = 'web-1"><script>alert(1)</script>';
  const html = htmlReport(res, new Date('2026-11-28T00:00:00Z'));
  assert.not.match(html, /<script>alert\(1\)/);
  assert.match(html, /web-1&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  assert.not.match(html, /\ssrc=|\shref=/, 'nothing fetched');
  assert.match(html, /Chart\.js v4/);
  const data = JSON.parse(/<script type="application\/json" id="load-data">(.*?)<\/script>/s.exec(html)![1]);
  assert.equal(data[0].rows, [{ instances: 1, rps: 1000, p99: 12 }, { instances: 2, rps: 1050, p99: 12 }]);
  assert.is(data[0].host, res.hosts[0].host, 'a host name with </script> in it did not end the data early');
  assert.match(html, /<tr class=" knee"><td>1 \(knee\)<\/td><td>1000<\/td>/);
  assert.match(html, /<tr class=""><td>2<\/td><td>1050<\/td>/);
});

test('--instances and --duration parsers', () => {
  assert.equal(intList(1000)('1, 2,3,5'), [1, 2, 3, 5]);
  for (const bad of ['', '0', '1,,2', '1.5', '-1', '2,x', '1001']) assert.throws(() => intList(1000)(bad), /whole numbers from 1 to 1000/, bad);
  assert.is(seconds(3600)('20s'), 20);
  assert.is(seconds(3600)('2m'), 120);
  assert.is(seconds(3600)('7'), 7);
  for (const bad of ['0s', '2h', 's', '61m', '1.5s']) assert.throws(() => seconds(3600)(bad), /duration/, bad);
});

test.run();
