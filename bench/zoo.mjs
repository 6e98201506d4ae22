#!/usr/bin/env node
// Benchmark: tfdoctor's converter vs onnx2tf on the torchvision zoo, the same ONNX files
// (scripts/models/export_zoo.py: 24 architectures x torch 2.13's dynamo and TorchScript exports).
//
// Per file:
//   tfdoctor  - in-process convertFile(onnx, { nhwc: true }) (NHWC I/O, as onnx2tf writes), wall ms of one call;
//   onnx2tf   - `onnx2tf -i COPY.onnx -o DIR` (onnx2tf 2.6.9, default flatbuffer_direct backend, its own
//               Python 3.12 venv test/real-env/envs/onnx2tf.txt) on a private copy of the file and its
//               external data (onnx2tf rewrites its input), whole-process wall seconds, timeout per file;
//   accuracy  - both .tflite files through the Python tier (verify_tflite.py --jobs, tools venv, ai_edge_litert
//               default resolver) against onnxruntime on PyTorch's input: exact within 1e-4 x max(1, max|y|);
//   ops       - operators in the .tflite (the flatbuffer's operator list, subgraph 0);
//   latency   - bench/litert_latency.py on the pair in one process: Interpreter(num_threads=N), default resolver
//               (XNNPACK), warm-up, then invokes interleaved one by one (A, B, A, B, ...), median and p10.
// Targets (issue #8): per model, ops and latency no worse than onnx2tf's beyond noise.
//
// usage: npm run build && node bench/zoo.mjs [--only resnet18,swin_t.dynamo] [--runs 30] [--threads 1,2]
//                                            [--timeout 900] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureZoo } from '../scripts/models.mjs';
import { ensureVenv } from '../scripts/venvs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const only = opt('--only', '').split(',').filter(Boolean);
const runs = Number(opt('--runs', '30'));
const threads = opt('--threads', '1,2');
const timeoutS = Number(opt('--timeout', '900'));
const asJson = args.includes('--json');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const { convertFile } = await import(join(root, 'dist', 'convert', 'index.js'));
const { readTflite } = await import(join(root, 'dist', 'convert', 'tflite', 'read.js'));

/** Runs a command in its own process group; the timeout kills the whole group and returns at once. */
function runGroup(cmd, argv, opts, timeoutMs) {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out = (out + d).slice(-20_000); });
    child.stderr.on('data', (d) => { err = (err + d).slice(-20_000); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      done({ status: null, timedOut, seconds: (performance.now() - t0) / 1000, out, err });
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (!timedOut) done({ status, timedOut, seconds: (performance.now() - t0) / 1000, out, err });
    });
  });
}

function opCounts(bytes) {
  const model = readTflite(bytes);
  const counts = {};
  for (const op of model.operators) counts[op.op] = (counts[op.op] ?? 0) + 1;
  return { ops: model.operators.length, counts };
}

const zoo = ensureZoo({ log });
const tools = ensureVenv('tools', { log });
const peer = ensureVenv('onnx2tf', { log });
const onnx2tfBin = join(dirname(peer.python), 'onnx2tf');
const peerVersion = spawnSync(peer.python, ['-c', 'import importlib.metadata as m; print(m.version("onnx2tf"))'], { encoding: 'utf8' }).stdout.trim();
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-zoo-'));

const cases = zoo.models.flatMap((m) => Object.entries(m.exports).map(([exporter, onnx]) => ({ id: `${m.arch}.${exporter}`, arch: m.arch, exporter, onnx, input: m.input, torchOutput: m.torchOutput })))
  .filter((c) => !only.length || only.includes(c.arch) || only.includes(c.id));

const rows = [];
for (const c of cases) {
  const dir = join(work, c.id);
  mkdirSync(dir, { recursive: true });
  const row = { id: c.id, arch: c.arch, exporter: c.exporter, tfdoctor: {}, onnx2tf: {} };
  // tfdoctor
  try {
    const t0 = performance.now();
    const r = await convertFile(c.onnx, { nhwc: true });
    row.tfdoctor = { status: 'converted', convertMs: performance.now() - t0, tflite: join(dir, 'tfdoctor.tflite'), ...opCounts(r.tflite) };
    writeFileSync(row.tfdoctor.tflite, r.tflite);
  } catch (err) {
    row.tfdoctor = { status: err?.name === 'ConversionRefused' ? 'refused' : 'crashed', reason: String(err?.message ?? err).split('\n')[1]?.trim() ?? String(err) };
  }
  // onnx2tf, on a private copy (it rewrites its input)
  const inDir = join(dir, 'in');
  mkdirSync(inDir);
  for (const f of readdirSync(dirname(c.onnx)).filter((f) => f === basename(c.onnx) || f === `${basename(c.onnx)}.data`)) copyFileSync(join(dirname(c.onnx), f), join(inDir, f));
  const outDir = join(dir, 'onnx2tf');
  const run = await runGroup(onnx2tfBin, ['-i', join(inDir, basename(c.onnx)), '-o', outDir, '-n'], { cwd: dir }, timeoutS * 1000);
  const produced = existsSync(outDir) ? readdirSync(outDir).find((f) => f.endsWith('_float32.tflite')) : undefined;
  if (run.status === 0 && produced) {
    const tflite = join(outDir, produced);
    row.onnx2tf = { status: 'converted', convertS: run.seconds, tflite, ...opCounts(new Uint8Array(readFileSync(tflite))) };
  } else {
    row.onnx2tf = { status: run.timedOut ? `timeout ${timeoutS} s` : 'failed', convertS: run.seconds, reason: (run.err || run.out).trim().split('\n').slice(-2).join(' | ').slice(0, 200) };
  }
  rmSync(inDir, { recursive: true, force: true });
  log(`${c.id}: tfdoctor ${row.tfdoctor.status} (${row.tfdoctor.ops ?? '-'} ops), onnx2tf ${row.onnx2tf.status} (${row.onnx2tf.ops ?? '-'} ops, ${row.onnx2tf.convertS.toFixed(1)} s)`);

  // latency of the pair, interleaved
  const pair = ['tfdoctor', 'onnx2tf'].filter((k) => row[k].status === 'converted');
  if (pair.length) {
    const lat = spawnSync(tools.python, [join(root, 'bench', 'litert_latency.py'), '--runs', String(runs), '--threads', threads, ...pair.map((k) => `${k}=${row[k].tflite}`)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 1_800_000, killSignal: 'SIGKILL' });
    if (lat.status === 0) {
      const r = JSON.parse(lat.stdout);
      for (const k of pair) row[k].latency = r[k];
    } else {
      for (const k of pair) row[k].latencyError = (lat.stderr || String(lat.error)).trim().split('\n').at(-1);
    }
  }
  rows.push({ ...row, case: c });
}

// accuracy of every .tflite, one Python process
const jobs = rows.flatMap((r) => ['tfdoctor', 'onnx2tf'].filter((k) => r[k].status === 'converted')
  .map((k) => ({ id: `${r.id}:${k}`, onnx: r.case.onnx, tflite: r[k].tflite, inputs: [r.case.input], torchOutput: r.case.torchOutput, resolvers: 'auto' })));
if (jobs.length) {
  const jobFile = join(work, 'jobs.json');
  writeFileSync(jobFile, JSON.stringify(jobs));
  const v = spawnSync(tools.python, [join(root, 'scripts', 'models', 'verify_tflite.py'), '--jobs', jobFile],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 120_000 * jobs.length, killSignal: 'SIGKILL' });
  const byId = new Map(v.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((r) => [r.id, r]));
  for (const r of rows) {
    for (const k of ['tfdoctor', 'onnx2tf']) {
      const res = byId.get(`${r.id}:${k}`);
      if (!res) continue;
      const vsTorch = res.resolvers?.auto?.vsTorchMaxAbs;
      r[k].maxAbs = res.maxAbs;
      r[k].exact = Boolean(res.pass) && vsTorch !== null && vsTorch !== undefined && vsTorch <= 1e-4 * Math.max(1, zoo.models.find((m) => m.arch === r.arch).maxAbsOutput);
      r[k].status = r[k].exact ? 'exact' : 'wrong';
      r[k].error = res.error ?? res.resolvers?.auto?.error;
    }
  }
}

const report = { onnx2tf: peerVersion, runs, threads, machine: { cpus: cpus().length, loadAverage: loadavg() }, zoo: zoo.dir, models: rows.map(({ case: _, ...r }) => r) };
mkdirSync(join(zoo.dir, 'results'), { recursive: true });
writeFileSync(join(zoo.dir, 'results', `bench-${basename(root)}.json`), JSON.stringify(report, null, 1));
if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const med = (s, t) => s.latency?.[t]?.median_ms;
  const t1 = threads.split(',')[0];
  console.log(`tfdoctor (--nhwc) vs onnx2tf ${peerVersion} on the torchvision zoo; latency: ai_edge_litert invoke() median of ${runs}, ${t1} thread(s), interleaved pairwise`);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (latency is noisy when this exceeds the CPU count)\n`);
  const head = ['file', 'tfdoctor', 'ops', 'lat ms', 'onnx2tf', 'ops', 'lat ms', 'conv s', 'ops ratio', 'lat ratio'];
  const table = [head];
  const fmt = (x, d) => (x === undefined || x === null ? '-' : x.toFixed(d));
  for (const r of report.models) {
    const a = r.tfdoctor; const b = r.onnx2tf;
    const both = a.ops !== undefined && b.ops !== undefined;
    table.push([r.id, a.status, String(a.ops ?? '-'), fmt(med(a, t1), 2), b.status, String(b.ops ?? '-'), fmt(med(b, t1), 2), fmt(b.convertS, 1),
      both ? fmt(a.ops / b.ops, 2) : '-', both && med(a, t1) && med(b, t1) ? fmt(med(a, t1) / med(b, t1), 2) : '-']);
  }
  const w = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log(table.map((row) => row.map((x, i) => x.padEnd(w[i])).join('  ')).join('\n'));
}
rmSync(work, { recursive: true, force: true });
