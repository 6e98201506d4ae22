#!/usr/bin/env node
// Benchmark: static `tfdoctor check` vs `python -m pip check` on the same real env (the cached
// seed venv), measured in one run. Both are whole-process wall times (node start-up and python
// start-up included on each side), median of N alternating runs; tfdoctor as a user runs it (package.json's
// bin, the environment as given). Target: ratio <= 0.5. bench/startup.mjs has the fuller picture.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureVenv } from '../scripts/venvs.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 15);
const envName = process.argv[2] ?? 'seed';
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}${JSON.parse(readFileSync(`${root}package.json`, 'utf8')).bin.tfdoctor}`;
const venv = ensureVenv(envName);

function timeOnce(cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t;
  if (r.error) throw r.error;
  return { ms, status: r.status };
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const peers = {
  'tfdoctor check': [bin, ['check', '--python', venv.python, '--json']],
  'pip check': [venv.python, ['-m', 'pip', 'check']],
};
// one warm-up each (file cache), then alternate so drift hits both sides alike
for (const [cmd, args] of Object.values(peers)) timeOnce(cmd, args);
const times = Object.fromEntries(Object.keys(peers).map((k) => [k, []]));
const statuses = {};
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(peers)) {
    const r = timeOnce(cmd, args);
    times[name].push(r.ms);
    statuses[name] = r.status;
  }
}
const tf = median(times['tfdoctor check']);
const pip = median(times['pip check']);
console.log(`env: ${envName} (${venv.dir})`);
console.log(`tfdoctor check (static, --json): median ${tf.toFixed(0)} ms over ${runs} runs (exit ${statuses['tfdoctor check']})`);
console.log(`python -m pip check:             median ${pip.toFixed(0)} ms over ${runs} runs (exit ${statuses['pip check']})`);
console.log(`ratio tfdoctor/pip = ${(tf / pip).toFixed(3)} (target <= 0.5)`);
