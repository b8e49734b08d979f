// `provision load --report FILE.html`: one self-contained page (Chart.js and the data inline, nothing
// fetched) with, per host, a chart of req/s and p99 latency against instances, and the table.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { knee } from './knee.ts';
import { type LoadResult, rowProblems } from './results.ts';

const require = createRequire(import.meta.url);

/** Chart.js's UMD build (the package exports no subpath for it: found beside its main file). */
function chartJs(): string {
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script>: no `</script>` or `<!--` can end it early. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** The colours of the two series (the chart test looks for them on the canvas). */
export const SERIES = { rps: '#1f77b4', p99: '#d62728' };

export function htmlReport(res: LoadResult, generated = new Date()): string {
  const sorted = res.hosts.map((h) => [...h.rows].sort((a, b) => a.instances - b.instances));
  const data = res.hosts.map((h, i) => ({ host: h.host, rows: sorted[i].map((r) => ({ instances: r.instances, rps: r.rps, p99: r.p99 })) }));
  const sections = res.hosts.map((h, i) => {
    const k = knee(h.rows);
    const rows = sorted[i].map((r) => {
      const problems = rowProblems(r);
      return `<tr class="${problems.length ? 'bad' : ''}${r.instances === k ? ' knee' : ''}"><td>${r.instances}${r.instances === k ? ' (knee)' : ''}</td>`
        + `<td>${r.rps}</td><td>${r.p50}</td><td>${r.p97_5}</td><td>${r.p99}</td><td>${r.errors}</td><td>${r.non2xx}</td>`
        + `<td>${r.sticky.sessions}</td><td>${r.sticky.moved}</td><td>${r.cpu}</td><td>${r.memMb}</td><td>${esc(problems.join(', '))}</td></tr>`;
    }).join('\n');
    const kneeText = k === undefined ? 'No knee: every step added 10% req/s or more.' : `Knee: ${k} instance(s); past it req/s grows less than 10% per step.`;
    return `<section>
<h2>${esc(h.host)} <small>${esc(h.url)}</small></h2>
<div class="chart"><canvas id="chart-${i}" data-host="${esc(h.host)}" width="900" height="360"></canvas></div>
<p>${esc(kneeText)}</p>
<table><thead><tr><th>instances</th><th>req/s</th><th>p50 ms</th><th>p97.5 ms</th><th>p99 ms</th><th>errors</th><th>non-2xx</th>
<th>sessions</th><th>moved</th><th>cpu %${h.ncpu ? ` of ${h.ncpu}` : ''}</th><th>mem MB</th><th>problems</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>provision load: ${esc(res.playbook)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
.chart { width: 900px; height: 360px; }
table { border-collapse: collapse; margin: 1em 0 2em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
tr.knee { font-weight: bold; background: #eef5ff; }
tr.bad { color: #b00; }
.error { color: #b00; font-weight: bold; }
</style></head>
<body>
<h1>How many instances?</h1>
<p>${esc(res.playbook)}: GET ${esc(res.path)} through nginx, ${res.durationS} s at ${res.connections} connections per instance count
(${esc(res.counts.join(', '))}); ${esc(generated.toISOString())}.</p>
${res.error ? `<p class="error">Stopped early: ${esc(res.error)}</p>` : ''}
${sections}
<script>${chartJs()}</script>
<script type="application/json" id="load-data">${scriptJson(data)}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('load-data').textContent);
  data.forEach(function (h, i) {
    new Chart(document.getElementById('chart-' + i), {
      type: 'line',
      data: {
        labels: h.rows.map(function (r) { return String(r.instances); }),
        datasets: [
          { label: 'req/s', data: h.rows.map(function (r) { return r.rps; }), yAxisID: 'rps',
            borderColor: '${SERIES.rps}', backgroundColor: '${SERIES.rps}', borderWidth: 3, pointRadius: 5 },
          { label: 'p99 latency (ms)', data: h.rows.map(function (r) { return r.p99; }), yAxisID: 'p99',
            borderColor: '${SERIES.p99}', backgroundColor: '${SERIES.p99}', borderWidth: 3, pointRadius: 5 }
        ]
      },
      options: {
        animation: false, responsive: false,
        scales: {
          x: { title: { display: true, text: 'instances' } },
          rps: { position: 'left', beginAtZero: true, title: { display: true, text: 'req/s' } },
          p99: { position: 'right', beginAtZero: true, title: { display: true, text: 'p99 ms' }, grid: { drawOnChartArea: false } }
        }
      }
    });
  });
  document.body.setAttribute('data-charts', String(data.length));
})();
</script>
</body></html>
`;
}
