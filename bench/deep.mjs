#!/usr/bin/env node
// Benchmark: `tfdoctor check --deep` on the seed venv (whole process: probe, matrix, every route module
// imported, each in its own process by the fork server) vs importing the same modules, in the same
// order, in ONE interpreter (python/deep_import.py's import_like_from, errors caught): the floor any
// isolated probe is measured against. Optionally (--separate) the old way too: one interpreter per
// module. Alternating runs, medians, same run. Target: check --deep <= 1.1x the one-interpreter time.
// usage: npm run build && node bench/deep.mjs [--runs 3] [--separate] [--json]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureVenv } from '../scripts/venvs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('--runs', '3'));
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tfdoctor);
const { ROUTE_MODULES, deepProbe } = await import(join(root, 'dist', 'env', 'deep-probe.js'));
const { loadMatrix } = await import(join(root, 'dist', 'matrix', 'load.js'));

const seed = ensureVenv('seed', { log });
// the modules check --deep imports (src/cli/commands/check.ts)
const matrix = await loadMatrix();
const modules = [...new Set([...ROUTE_MODULES, ...matrix.rules.flatMap((r) => r.observe.map((o) => o.module))])];
const oneInterpreter = `
import sys
sys.path.insert(0, ${JSON.stringify(join(root, 'python'))})
import deep_import
sys.path.pop(0)
for m in ${JSON.stringify(modules)}:
    try:
        deep_import.import_like_from(m)
    except BaseException:
        pass
`;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function wall(cmd, argv, check) {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  const ms = performance.now() - t;
  // a run that did not do the work (a launcher started the wrong way, a crash) must not count as fast
  if (check) check(r);
  return { ms, status: r.status };
}
function deepReport(r) {
  let doc;
  try { doc = JSON.parse(r.stdout); } catch { throw new Error(`check --deep printed no JSON (exit ${r.status}): ${r.stderr.split('\n').slice(-3).join(' ')}`); }
  const imported = Array.isArray(doc.deep) ? doc.deep.length : 0;
  if (imported !== modules.length) throw new Error(`check --deep reported ${imported} of ${modules.length} modules`);
}
const peers = {
  // --no-cache: the probe itself (fork server and all); a warm snapshot cache would answer without importing
  'tfdoctor check --deep --no-cache': () => wall(bin, ['check', '--python', seed.python, '--deep', '--no-cache', '--json'], deepReport),
  'one interpreter': () => wall(seed.python, ['-B', '-c', oneInterpreter]),
};
if (args.includes('--separate')) {
  peers['separate interpreters (deepProbe mode: separate)'] = async () => {
    const t = performance.now();
    await deepProbe(seed.python, modules, { mode: 'separate' });
    return { ms: performance.now() - t, status: 0 };
  };
}
log(`${modules.length} modules, ${runs} alternating runs (one warm-up each)`);
for (const f of Object.values(peers)) await f();
const times = Object.fromEntries(Object.keys(peers).map((k) => [k, []]));
const status = {};
for (let i = 0; i < runs; i++) {
  for (const [name, f] of Object.entries(peers)) {
    const r = await f();
    times[name].push(r.ms);
    status[name] = r.status;
    log(`  ${name}: ${(r.ms / 1000).toFixed(2)} s`);
  }
}
const report = { venv: seed.dir, modules, runs, loadAverage: loadavg(), medianMs: {}, exit: status };
for (const k of Object.keys(peers)) report.medianMs[k] = median(times[k]);
report.ratio = report.medianMs['tfdoctor check --deep --no-cache'] / report.medianMs['one interpreter'];
if (args.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`check --deep on ${seed.dir} (${modules.length} modules); load average ${report.loadAverage.map((x) => x.toFixed(1)).join(' ')}; medians of ${runs}`);
  for (const [k, v] of Object.entries(report.medianMs)) console.log(`  ${k.padEnd(50)} ${(v / 1000).toFixed(2)} s (exit ${status[k]})`);
  console.log(`  ratio check --deep / one interpreter = ${report.ratio.toFixed(3)}  [target <= 1.1: ${report.ratio <= 1.1 ? 'ok' : 'MISSED'}]`);
}
