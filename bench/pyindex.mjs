#!/usr/bin/env node
// Benchmark: tfdoctor's index reader (dist/pyindex) vs pip's own finder on the same 8 projects,
// in one run. Work on each side: every project's page from every configured source, then the
// core metadata of the newest release with a wheel for this Python (pip: `install --dry-run
// --no-deps --ignore-installed --report`, which does exactly that). Cold: a fresh cache folder
// for tfdoctor, --no-cache-dir for pip. Warm: tfdoctor's cache filled, pip with its HTTP cache.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createIndexFacts } from '../dist/pyindex/index.js';
import { hasCompatibleWheel } from '../dist/pyindex/tags.js';
import { isPrerelease } from '../dist/matrix/pep440.js';

const PROJECTS = ['tensorflow', 'tf-keras', 'tensorflow-probability', 'tensorflow-addons', 'onnx', 'onnx-tf', 'numpy', 'protobuf'];
const python = process.env.BENCH_PYTHON ?? 'python3';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const pyVersion = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
const target = { python: pyVersion, platform: { system: 'linux', machine: 'x86_64' } };

async function ours(cacheDir) {
  const t = performance.now();
  const facts = await createIndexFacts({ python, cacheDir, target });
  const config = performance.now() - t;
  await facts.prefetch(PROJECTS);
  const picked = await Promise.all(PROJECTS.map(async (name) => {
    const p = await facts.project(name);
    const r = p.releases.find((x) => !isPrerelease(x.version) && hasCompatibleWheel(x, target));
    const m = r ? await facts.metadata(name, r.version) : null;
    return `${name}==${r?.version} (${m?.requiresDist.length ?? '-'} deps)`;
  }));
  return { ms: performance.now() - t, config, picked, requests: facts.stats().requests };
}

function pip(extra) {
  const t = performance.now();
  const r = spawnSync(python, ['-m', 'pip', 'install', '--dry-run', '--no-deps', '--ignore-installed', '--quiet', '--report', '-', ...extra, ...PROJECTS],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`pip failed: ${r.stderr}`);
  const picked = JSON.parse(r.stdout).install.map((i) => `${i.metadata.name}==${i.metadata.version}`);
  return { ms, picked };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const results = { oursCold: [], oursWarm: [], pipCold: [], pipWarm: [], config: [] };
let last;
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-index-'));
  try {
    const cold = await ours(dir);
    results.oursCold.push(cold.ms);
    const warm = await ours(dir);
    results.oursWarm.push(warm.ms);
    results.config.push(cold.config, warm.config);
    last = { cold, warm };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  results.pipCold.push(pip(['--no-cache-dir']).ms);
  const p = pip([]);
  results.pipWarm.push(p.ms);
  last.pip = p.picked;
}
console.log(`projects: ${PROJECTS.join(', ')} (python ${pyVersion}, ${runs} runs, medians)`);
console.log(`tfdoctor picked: ${last.cold.picked.join(', ')}`);
console.log(`pip picked:      ${last.pip.join(', ')}`);
const f = (xs) => `${median(xs).toFixed(0)} ms`;
console.log(`cold: tfdoctor ${f(results.oursCold)} (${last.cold.requests} HTTP requests) vs pip --no-cache-dir ${f(results.pipCold)}: ratio ${(median(results.oursCold) / median(results.pipCold)).toFixed(2)}`);
console.log(`of which reading the pip settings (python -m pip config list): ${f(results.config)}`);
console.log(`warm: tfdoctor ${f(results.oursWarm)} (${last.warm.requests} HTTP requests) vs pip (HTTP cache) ${f(results.pipWarm)}: ratio ${(median(results.oursWarm) / median(results.pipWarm)).toFixed(2)}`);
