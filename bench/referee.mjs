#!/usr/bin/env node
// Benchmark: the pip referee (resolveWithPip) against the bare `pip install --dry-run --report` it
// wraps, same requirements, same pip, same run; each with a cold pip cache (a fresh PIP_CACHE_DIR)
// and then warm (the same folder again). Two ways of running pip are compared: the target
// interpreter's own pip, and pip 25.3 from its wheel on that interpreter (resolves from PEP 658
// metadata without downloading wheels). Needs `npm run build`. BENCH_CASES=name,name picks cases.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { currentPlatform } from '../dist/env/requirements.js';
import { choosePip } from '../dist/lock/pip-select.js';
import { resolveWithPip } from '../dist/lock/referee.js';

const CASES = {
  'onnx-tf-3.11': { python: '3.11', requirements: ['onnx-tf==1.10.0', 'tensorflow==2.15.1', 'tensorflow-probability==0.23.0', 'onnx==1.16.2'] },
  'tfa-3.12': { python: '3.12', requirements: ['tensorflow-addons==0.23.0'] },
  'onnx2tf-conflict-3.11': { python: '3.11', requirements: ['onnx2tf==1.29.24', 'tensorflow==2.20.0'] },
};
const pick = process.env.BENCH_CASES?.split(',') ?? Object.keys(CASES);
const ways = process.env.BENCH_WAYS?.split(',') ?? ['own', 'wheel'];
const timeoutMs = 1_800_000;

function barePip(pip, requirements, env) {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-'));
  const t = performance.now();
  spawnSync(pip.python, [...pip.entry, 'install', '--dry-run', '--ignore-installed', '--report', join(dir, 'r.json'), '--only-binary=:all:',
    '--progress-bar', 'off', ...requirements], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  rmSync(dir, { recursive: true, force: true });
  return (performance.now() - t) / 1000;
}

const rows = [];
for (const name of pick) {
  const c = CASES[name];
  const target = { python: c.python, platform: currentPlatform() };
  for (const way of ways) {
    const pip = await choosePip(target, { timeoutMs, prefer: way });
    const cache = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-pipcache-'));
    const env = { ...process.env, PIP_CACHE_DIR: cache };
    try {
      const cold = await resolveWithPip({ target, requirements: c.requirements, timeoutMs, pip, env });
      const warm = await resolveWithPip({ target, requirements: c.requirements, timeoutMs, pip, env });
      const bare = barePip(pip, c.requirements, { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1' });
      rows.push({ case: name, pip: `${pip.how} ${pip.pipVersion}`, outcome: warm.kind, cold: cold.seconds, warm: warm.seconds, bareWarm: bare, ratio: warm.seconds / bare });
      console.log(JSON.stringify(rows.at(-1)));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }
}
console.log('\ncase                     pip          outcome          cold s   warm s   bare pip warm s   ratio');
for (const r of rows) {
  console.log(`${r.case.padEnd(24)} ${r.pip.padEnd(12)} ${r.outcome.padEnd(16)} ${r.cold.toFixed(1).padStart(6)}   ${r.warm.toFixed(1).padStart(6)}   ${r.bareWarm.toFixed(1).padStart(15)}   ${r.ratio.toFixed(2)}`);
}
