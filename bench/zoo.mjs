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
// Noise: each invoke of ours is paired with the onnx2tf invoke right after it; the latency ratio is the median
// of those paired ratios, its spread the 10th-90th percentile, and "slower"/"faster" is called only when the
// median ratio is past 1 +/- 3 % AND a one-sided sign test over the pairs gives p < 0.01 (else "tie").
//
// Files stay in ZOO/bench-zoo/ID/ (onnx2tf's output is reused across runs unless --fresh; it is slow), and
// each run's rows are merged by id into ZOO/results/bench-zoo.json, so the zoo can be measured in chunks
// (--only) and the table written from all of them (--markdown FILE).
//
// usage: npm run build && node bench/zoo.mjs [--only resnet18,swin_t.dynamo] [--runs 30] [--threads 1,2]
//                        [--timeout 900] [--fresh] [--no-accuracy] [--json] [--markdown FILE] [--table-only]
// --no-accuracy skips verifying our file unless it differs (sha-256) from the one last verified.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
const fresh = args.includes('--fresh');
const noAccuracy = args.includes('--no-accuracy');
const tableOnly = args.includes('--table-only');
const markdownFile = opt('--markdown', '');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const { convertFile } = await import(join(root, 'dist', 'convert', 'index.js'));
const { readTflite } = await import(join(root, 'dist', 'convert', 'tflite', 'read.js'));
const { blockerText } = await import(join(root, 'dist', 'report', 'refusal.js'));

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
const store = join(zoo.dir, 'bench-zoo');
const resultsFile = join(zoo.dir, 'results', 'bench-zoo.json');
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-zoo-'));
const readJson = (f, dflt) => { try { return JSON.parse(readFileSync(f, 'utf8')); } catch { return dflt; } };

const cases = zoo.models.flatMap((m) => Object.entries(m.exports).map(([exporter, onnx]) => ({ id: `${m.arch}.${exporter}`, arch: m.arch, exporter, onnx, input: m.input, torchOutput: m.torchOutputF64 })))
  .filter((c) => !only.length || only.includes(c.arch) || only.includes(c.id));

/** Median, percentile (linear) of a list. */
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

/** One-sided sign-test p-value: P(X >= k) for X ~ Binomial(n, 1/2). */
function signTestP(k, n) {
  let p = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= n; i++) {
    if (i >= k) p += c;
    c = (c * (n - i)) / (i + 1);
  }
  return p / 2 ** n;
}

/** Paired latency comparison of ours (a) against onnx2tf's (b), invoke by invoke. */
function compareLatency(a, b) {
  const ratios = a.map((t, i) => t / b[i]);
  const n = ratios.length;
  const slower = ratios.filter((r) => r > 1).length;
  const ratio = pct(ratios, 0.5);
  const pSlower = signTestP(slower, n);
  const pFaster = signTestP(n - slower, n);
  const verdict = ratio > 1.03 && pSlower < 0.01 ? 'slower' : ratio < 0.97 && pFaster < 0.01 ? 'faster' : 'tie';
  return { ratio, p10: pct(ratios, 0.1), p90: pct(ratios, 0.9), pairs: n, slowerPairs: slower, verdict };
}

async function measure(c) {
  const dir = join(store, c.id);
  mkdirSync(dir, { recursive: true });
  const row = { id: c.id, arch: c.arch, exporter: c.exporter, at: new Date().toISOString(), tfdoctor: {}, onnx2tf: {} };
  // tfdoctor, always fresh (it is the thing under test)
  try {
    const t0 = performance.now();
    const r = await convertFile(c.onnx, { nhwc: true });
    row.tfdoctor = { status: 'converted', convertMs: performance.now() - t0, tflite: join(dir, 'tfdoctor.tflite'), sha256: createHash('sha256').update(r.tflite).digest('hex'), ...opCounts(r.tflite) };
    writeFileSync(row.tfdoctor.tflite, r.tflite);
  } catch (err) {
    row.tfdoctor = err?.name === 'ConversionRefused'
      ? { status: 'refused', code: err.blockers[0]?.code, reason: err.blockers[0] ? blockerText(err.blockers[0]) : '' }
      : { status: 'crashed', reason: String(err?.message ?? err) };
  }
  // onnx2tf, on a private copy (it rewrites its input); its result is kept per onnx2tf version
  const outDir = join(dir, `onnx2tf-${peerVersion}`);
  const factsFile = join(outDir, 'facts.json');
  let facts = fresh ? undefined : readJson(factsFile, undefined);
  if (!facts) {
    rmSync(outDir, { recursive: true, force: true });
    const inDir = join(work, c.id, 'in');
    mkdirSync(inDir, { recursive: true });
    for (const f of readdirSync(dirname(c.onnx)).filter((f) => f === basename(c.onnx) || f === `${basename(c.onnx)}.data`)) copyFileSync(join(dirname(c.onnx), f), join(inDir, f));
    const run = await runGroup(onnx2tfBin, ['-i', join(inDir, basename(c.onnx)), '-o', outDir, '-n'], { cwd: join(work, c.id) }, timeoutS * 1000);
    const produced = existsSync(outDir) ? readdirSync(outDir).find((f) => f.endsWith('_float32.tflite')) : undefined;
    facts = run.status === 0 && produced
      ? { status: 'converted', convertS: run.seconds, tflite: join(outDir, produced) }
      : { status: run.timedOut ? `timeout ${timeoutS} s` : 'failed', convertS: run.seconds, reason: (run.err || run.out).trim().split('\n').slice(-2).join(' | ').slice(0, 200) };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(factsFile, JSON.stringify(facts));
    rmSync(inDir, { recursive: true, force: true });
  }
  row.onnx2tf = facts.status === 'converted' ? { ...facts, ...opCounts(new Uint8Array(readFileSync(facts.tflite))) } : { ...facts };
  log(`${c.id}: tfdoctor ${row.tfdoctor.status} (${row.tfdoctor.ops ?? '-'} ops), onnx2tf ${row.onnx2tf.status} (${row.onnx2tf.ops ?? '-'} ops, ${row.onnx2tf.convertS.toFixed(1)} s)`);

  // latency of the pair, interleaved invoke by invoke
  let pair = ['tfdoctor', 'onnx2tf'].filter((k) => row[k].status === 'converted');
  for (let attempt = 0; pair.length && runs > 0 && attempt < 2; attempt++) {
    const lat = spawnSync(tools.python, [join(root, 'bench', 'litert_latency.py'), '--raw', '--runs', String(runs), '--threads', threads, ...pair.map((k) => `${k}=${row[k].tflite}`)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 1_800_000, killSignal: 'SIGKILL' });
    if (lat.status === 0) {
      const r = JSON.parse(lat.stdout);
      // per model: one entry per thread count, plus 'delegation' (how many ops XNNPACK takes)
      const threadKeys = (m) => Object.keys(m).filter((t) => /^\d+$/.test(t));
      for (const k of pair) {
        row[k].latency = Object.fromEntries(threadKeys(r[k]).map((t) => { const { times_ms: _, ...stats } = r[k][t]; return [t, stats]; }));
        row[k].delegation = r[k].delegation;
      }
      if (pair.length === 2) {
        row.latency = Object.fromEntries(threadKeys(r.tfdoctor).map((t) => [t, compareLatency(r.tfdoctor[t].times_ms, r.onnx2tf[t].times_ms)]));
      }
      break;
    }
    for (const k of pair) row[k].latencyError = (lat.stderr || String(lat.error)).trim().split('\n').at(-1);
    // a file the runtime cannot prepare (onnx2tf's, now and then) does not cost ours its measurement
    if (pair.length !== 2) break;
    pair = ['tfdoctor'];
    delete row.tfdoctor.latencyError;
  }
  row.ops = row.tfdoctor.ops !== undefined && row.onnx2tf.ops !== undefined
    ? { ours: row.tfdoctor.ops, peer: row.onnx2tf.ops, verdict: row.tfdoctor.ops > row.onnx2tf.ops ? 'more' : row.tfdoctor.ops < row.onnx2tf.ops ? 'fewer' : 'same' } : undefined;
  return { ...row, case: c };
}

/** Accuracy of every .tflite in one Python process; onnx2tf's verdict is kept beside its file. */
function verifyAll(rows) {
  const wanted = (r, k) => r[k].status === 'converted' && (k === 'tfdoctor' ? !noAccuracy || merged.models[r.id]?.tfdoctor?.sha256 !== r[k].sha256 : readJson(join(dirname(r[k].tflite), 'accuracy.json'), undefined) === undefined);
  const jobs = rows.flatMap((r) => ['tfdoctor', 'onnx2tf'].filter((k) => wanted(r, k))
    .map((k) => ({ id: `${r.id}:${k}`, onnx: r.case.onnx, tflite: r[k].tflite, inputs: [r.case.input], torchOutput: r.case.torchOutput, resolvers: 'auto' })));
  const byId = new Map();
  if (jobs.length) {
    const jobFile = join(work, 'jobs.json');
    writeFileSync(jobFile, JSON.stringify(jobs));
    const v = spawnSync(tools.python, [join(root, 'scripts', 'models', 'verify_tflite.py'), '--jobs', jobFile],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 120_000 * jobs.length, killSignal: 'SIGKILL' });
    for (const res of v.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))) byId.set(res.id, res);
  }
  for (const r of rows) {
    for (const k of ['tfdoctor', 'onnx2tf']) {
      if (r[k].status !== 'converted') continue;
      // onnx2tf's verdict is kept beside its file; ours is carried over from the last run when the file is the same
      const before = merged.models[r.id]?.tfdoctor;
      const cached = k === 'onnx2tf' ? readJson(join(dirname(r[k].tflite), 'accuracy.json'), undefined)
        : noAccuracy && before?.sha256 === r[k].sha256 && typeof before.exact === 'boolean'
          ? { maxAbs: before.maxAbs, vsTorchMaxAbs: before.vsTorchMaxAbs, bound: before.bound, exact: before.exact, error: before.error } : undefined;
      const res = byId.get(`${r.id}:${k}`);
      let acc = cached;
      if (!acc && res) {
        const vsTorch = res.resolvers?.auto?.vsTorchMaxAbs;
        const bound = 1e-4 * Math.max(1, zoo.models.find((m) => m.arch === r.arch).maxAbsOutput);
        const exact = Boolean(res.pass) && vsTorch !== null && vsTorch !== undefined && vsTorch <= bound;
        acc = { maxAbs: res.maxAbs, vsTorchMaxAbs: vsTorch, bound, exact, error: res.error ?? res.resolvers?.auto?.error };
        if (k === 'onnx2tf') writeFileSync(join(dirname(r[k].tflite), 'accuracy.json'), JSON.stringify(acc));
      }
      if (!acc) { r[k].status = 'converted (accuracy not measured)'; continue; }
      Object.assign(r[k], acc);
      r[k].status = acc.exact ? 'exact' : 'wrong';
    }
  }
}

const fmt = (x, d) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d));
function latencyCell(row, t) {
  const l = row.latency?.[t];
  return l ? `${fmt(l.ratio, 2)} (${fmt(l.p10, 2)}-${fmt(l.p90, 2)})${l.verdict === 'tie' ? '' : ` ${l.verdict}`}` : '-';
}

function tableOf(report) {
  const ts = String(report.threads).split(',');
  const head = ['file', 'ours', 'ops', 'onnx2tf', 'ops', ...ts.map((t) => `lat ratio ${t}T (p10-p90)`), ...ts.map((t) => `ms ${t}T ours/onnx2tf`), 'onnx2tf conv s'];
  const body = Object.values(report.models).sort((a, b) => a.id.localeCompare(b.id)).map((r) => [
    r.id, r.tfdoctor.status, String(r.tfdoctor.ops ?? '-'), r.onnx2tf.status, String(r.onnx2tf.ops ?? '-'),
    ...ts.map((t) => latencyCell(r, t)),
    ...ts.map((t) => `${fmt(r.tfdoctor.latency?.[t]?.median_ms, 2)}/${fmt(r.onnx2tf.latency?.[t]?.median_ms, 2)}`),
    fmt(r.onnx2tf.convertS, 1)]);
  return { head, body };
}

function summaryOf(report) {
  const rs = Object.values(report.models);
  const count = (f) => rs.filter(f).length;
  const ts = String(report.threads).split(',');
  return [
    `files: ${rs.length}; ours exact ${count((r) => r.tfdoctor.status === 'exact')}, wrong ${count((r) => r.tfdoctor.status === 'wrong')}, refused ${count((r) => r.tfdoctor.status === 'refused')}; `
      + `onnx2tf exact ${count((r) => r.onnx2tf.status === 'exact')}, wrong ${count((r) => r.onnx2tf.status === 'wrong')}, failed ${count((r) => !['exact', 'wrong'].includes(r.onnx2tf.status))}`,
    `ops (ours vs onnx2tf, files both convert): fewer ${count((r) => r.ops?.verdict === 'fewer')}, same ${count((r) => r.ops?.verdict === 'same')}, more ${count((r) => r.ops?.verdict === 'more')}`
      + (count((r) => r.ops?.verdict === 'more') ? ` (${rs.filter((r) => r.ops?.verdict === 'more').map((r) => `${r.id} ${r.ops.ours}/${r.ops.peer}`).join(', ')})` : ''),
    ...ts.map((t) => `latency ${t} thread(s): faster ${count((r) => r.latency?.[t]?.verdict === 'faster')}, tie ${count((r) => r.latency?.[t]?.verdict === 'tie')}, slower ${count((r) => r.latency?.[t]?.verdict === 'slower')}`
      + (count((r) => r.latency?.[t]?.verdict === 'slower') ? ` (${rs.filter((r) => r.latency?.[t]?.verdict === 'slower').map((r) => `${r.id} ${fmt(r.latency[t].ratio, 2)}`).join(', ')})` : '')),
  ];
}

function markdownOf(report) {
  const { head, body } = tableOf(report);
  const runsSeen = [...new Set(Object.values(report.models).map((r) => r.runs))].join(', ');
  return [
    `# tfdoctor (--nhwc) vs onnx2tf ${report.onnx2tf} on the torchvision zoo`,
    '',
    `Written by \`node bench/zoo.mjs\` from ${report.file}. Latency: ai_edge_litert Interpreter, default resolver (XNNPACK),`,
    `invokes interleaved one by one (ours, onnx2tf, ours, ...), ${runsSeen} pairs per file and thread count; the ratio is the median of`,
    `the paired ratios ours/onnx2tf (p10-p90 in brackets); "slower"/"faster" only when past 3 % with a sign test p < 0.01.`,
    `Exact: within 1e-4 x max(1, max|torch output|) of PyTorch's float64 output on the same input (Python tier, default resolver).`,
    `Machine: ${cpus().length} CPUs shared with other jobs; load averages at each row's measurement are in the JSON.`,
    '',
    ...summaryOf(report).map((l) => `- ${l}`),
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}

const merged = readJson(resultsFile, { models: {} });
if (!tableOnly) {
  const rows = [];
  for (const c of cases) rows.push({ ...(await measure(c)), runs, load: loadavg()[0] });
  verifyAll(rows);
  // merged again at write time: another chunk may have written its rows meanwhile
  Object.assign(merged.models, readJson(resultsFile, { models: {} }).models);
  for (const { case: _, ...r } of rows) merged.models[r.id] = r;
}
const report = { onnx2tf: peerVersion, threads, file: resultsFile, models: merged.models };
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, JSON.stringify({ models: merged.models }, null, 1));
if (markdownFile) writeFileSync(markdownFile, markdownOf(report));
if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const shown = { ...report, models: Object.fromEntries(Object.entries(report.models).filter(([id, r]) => tableOnly || cases.some((c) => c.id === id))) };
  console.log(`tfdoctor (--nhwc) vs onnx2tf ${peerVersion}; latency: median of paired ratios ours/onnx2tf (p10-p90), interleaved`);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  const { head, body } = tableOf(shown);
  const w = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i].length)));
  console.log([head, ...body].map((row) => row.map((x, i) => x.padEnd(w[i])).join('  ')).join('\n'));
  console.log(`\n${summaryOf(shown).join('\n')}`);
}
rmSync(work, { recursive: true, force: true });
