#!/usr/bin/env node
// `tfdoctor lock` end to end against one bare `pip install --dry-run --report` of the plan's final pins,
// measured in the same run (target ratio <= 1.5), and the in-process solve on a warm index cache
// (target < 100 ms). pip's verdict cache is left out for the end-to-end runs (a fresh cache folder that
// holds only a copy of the index cache), so each lock really runs pip.
// Usage: node bench/lock.mjs [--route onnx2tf] [--python 3.11] [--runs 3]   (--runs 0: the in-process solve only)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const route = opt('route', 'onnx2tf');
const python = opt('python', '3.11');
const runs = Number(opt('runs', '3'));
const cli = join(root, 'dist', 'tfdoctor.mjs');
const userCache = process.env.TFDOCTOR_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tfdoctor');

function freshCache() {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-lock-'));
  for (const sub of ['index', 'pip']) if (existsSync(join(userCache, sub))) cpSync(join(userCache, sub), join(dir, sub), { recursive: true });
  return dir;
}

function timeLock() {
  const cache = freshCache();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'lock', '--route', route, '--python', python, '--json', '-q'], {
    encoding: 'utf8', env: { ...process.env, TFDOCTOR_CACHE_DIR: cache }, maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`lock exited ${r.status}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  // kept until the bare pip ran: the pip the lock used may live in it
  return { seconds, doc: JSON.parse(r.stdout), cache };
}

function timeBarePip(plan) {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-pip-'));
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `${plan.requested.join('\n')}\n`);
  const [interp, ...rest] = plan.referee.command;
  // the same pip the lock used, same flags, only the requirement file differs
  const argv = rest.map((a) => (a === 'requirements.txt' ? req : a === 'report.json' ? join(dir, 'report.json') : a));
  const t0 = performance.now();
  const r = spawnSync(interp, argv, { encoding: 'utf8', cwd: dir, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`bare pip exited ${r.status}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return seconds;
}

async function inProcessSolve() {
  const { loadMatrix } = await import(join(root, 'dist/matrix/load.js'));
  const { loadLockSpecs } = await import(join(root, 'dist/lock/spec.js'));
  const { loadCatalogue } = await import(join(root, 'dist/patch/catalogue.js'));
  const { loadExportGapPredictor } = await import(join(root, 'dist/diagnose/predictor.js'));
  const { evaluate } = await import(join(root, 'dist/diagnose/evaluate.js'));
  const { createIndexFacts } = await import(join(root, 'dist/pyindex/index.js'));
  const { releaseFilter } = await import(join(root, 'dist/lock/run.js'));
  const { buildDomains } = await import(join(root, 'dist/lock/plan.js'));
  const { solve } = await import(join(root, 'dist/lock/solve.js'));
  const target = { python, platform: { system: 'linux', machine: 'x86_64' } };
  const [matrix, specs, catalogue, predictor] = await Promise.all([loadMatrix(), loadLockSpecs(), loadCatalogue(), loadExportGapPredictor()]);
  const facts = await createIndexFacts({ python: 'python3', offline: true, target });
  const spec = specs.find((s) => s.route === route);
  const byId = new Map(catalogue.patches.map((p) => [p.id, p]));
  const times = [];
  // one warm-up (JIT, the index files read into memory), then 11 timed solves; the median is reported
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const domains = await buildDomains({ route, target, with: [], allowPatches: true }, spec, { facts, filter: releaseFilter });
    const r = await solve({
      route: spec, target, domains, matrix, allowPatches: true, nogoods: [],
      patches: catalogue.patches.map((p) => ({ id: p.id, distribution: p.distribution, versions: p.versions, fixes: p.fixes })),
      evaluate: (snap, ids, onlyCodes) => evaluate(matrix, snap, { predictExportGaps: predictor, ...(onlyCodes ? { onlyCodes } : {}), appliedPatches: ids.map((id) => ({ id, fixes: byId.get(id).fixes, addsHandlers: byId.get(id).addsHandlers })) }).findings,
    });
    if (i > 0) times.push(performance.now() - t0);
    if (!r.ok) throw new Error('the warm solve found no plan');
  }
  return times.sort((a, b) => a - b)[5];
}

const pairs = [];
for (let i = 0; i < runs; i++) {
  const lock = timeLock();
  const pip = timeBarePip(lock.doc.plan);
  rmSync(lock.cache, { recursive: true, force: true });
  pairs.push({ lock: lock.seconds, pip });
  console.log(`run ${i + 1}: lock ${lock.seconds.toFixed(1)} s, bare pip ${pip.toFixed(1)} s (pip ${lock.doc.plan.referee.pipVersion}), ratio ${(lock.seconds / pip).toFixed(2)}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// --runs 0: only the in-process solve (it reads the index cache the end-to-end runs fill)
if (pairs.length) {
  const ratio = median(pairs.map((p) => p.lock / p.pip));
  console.log(`lock --route ${route} --python ${python}: median ratio lock / bare pip dry-run = ${ratio.toFixed(2)} (target <= 1.5)`);
}
const solveMs = await inProcessSolve();
console.log(`in-process solve on a warm index cache: median ${solveMs.toFixed(1)} ms (target < 100 ms)`);
