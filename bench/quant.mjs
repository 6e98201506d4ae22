#!/usr/bin/env node
// Benchmark: tfdoctor's int8 FBNet-A/B vs TensorFlow's int8 of the Keras twin (same weights), one run.
//
// Models: the quantization yardsticks (scripts/models.mjs ensureQuantYardsticks: FBNet-A/B with balanced
// statistics, torch 2.13's default export, TensorFlow 2.20's full-int8 conversion of the Keras twin
// calibrated on the same 200 inputs). tfdoctor converts each ONNX file with the built CLI,
// `convert --quantize int8 --calibration fbnet.calib.npy`, twice: default (NCHW float I/O, like the
// ONNX model) and --nhwc (NHWC float I/O, like the Keras twin, whose input TensorFlow quantizes inside).
//
// Measured: .tflite size, the CLI's wall time, the operators of each file (builtin counts: tfdoctor's against
// TensorFlow's), and LiteRT latency: ai_edge_litert Interpreter(num_threads=1|2), default resolver (builtin
// kernels + XNNPACK), all files in one process, invoked in rounds (every file once per round, the order rotated
// each round; bench/litert_latency.py, tools venv). The latency ratio tfdoctor / TF is the median of the
// per-round ratios (both invokes of a ratio ran in the same round, so load from other processes hits both);
// p10/p90 of those ratios show the spread, and --repeats R runs R separate processes to show it is beyond
// noise. At 1 thread the calling thread's CPU time of invoke() is compared too (the kernels' own work, which
// load on a shared machine does not stretch). The load average is printed before and after.
// Accuracy: top-1 agreement with PyTorch's float logits and SQNR on the 1000 evaluation inputs (every file
// scored by scripts/models/tflite_eval.py, ai_edge_litert; TensorFlow's scores come from the yardstick build).
// Targets (issue 9): agreement >= TensorFlow's; size within 5 % of TensorFlow's; latency ratio (tfdoctor / TF)
// <= 1.0 at 1 and 2 threads.
//
// usage: npm run build && node bench/quant.mjs [--runs 100] [--repeats 1] [--json]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureQuantYardsticks, MODEL_NAMES } from '../scripts/models.mjs';

const { readTflite } = await import('../dist/convert/tflite/read.js');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('--runs', '100'));
const repeats = Number(opt('--repeats', '1'));
const asJson = args.includes('--json');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const q = ensureQuantYardsticks({ log });
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-quant-'));
const files = {};
const convertMs = {};
for (const name of MODEL_NAMES) {
  files[`${name}.tf`] = q.fbnet.models[name].tfInt8;
  for (const layout of ['nchw', 'nhwc']) {
    const key = `${name}.tfdoctor.${layout}`;
    const out = join(work, `${key}.tflite`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'dist', 'tfdoctor.mjs'), 'convert', q.fbnet.models[name].onnx, '-o', out,
      '--quantize', 'int8', '--calibration', q.fbnet.calib, ...(layout === 'nhwc' ? ['--nhwc'] : [])],
    { encoding: 'utf8', timeout: 20 * 60_000, killSignal: 'SIGKILL' });
    if (r.status !== 0) {
      process.stderr.write(`tfdoctor convert --quantize int8 failed for ${name} (${layout}): ${(r.stderr || String(r.error)).trim().split('\n').slice(-5).join('\n')}\n`);
      process.exit(1);
    }
    convertMs[key] = performance.now() - t0;
    files[key] = out;
  }
}

/** builtin -> operator count of one .tflite */
function opCounts(path) {
  const counts = {};
  for (const op of readTflite(new Uint8Array(readFileSync(path))).operators) counts[op.op] = (counts[op.op] ?? 0) + 1;
  return counts;
}

// accuracy of ours, one tflite_eval.py run per model (its --reference is that model's float logits)
const accuracy = {};
for (const name of MODEL_NAMES) {
  log(`accuracy: ${name}, tfdoctor nchw/nhwc on ${q.fbnet.eval} ...`);
  Object.assign(accuracy, JSON.parse(execFileSync(q.tools.python, [q.evalScript, '--inputs', q.fbnet.eval, '--labels', q.fbnet.labels,
    '--reference', q.fbnet.models[name].torchEval, ...['nchw', 'nhwc'].map((l) => `${name}.tfdoctor.${l}=${files[`${name}.tfdoctor.${l}`]}`)],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 60 * 60_000 })));
}


const loadBefore = loadavg();
const pairs = MODEL_NAMES.flatMap((name) => ['nchw', 'nhwc'].map((layout) => `${name}.tfdoctor.${layout}:${name}.tf`));
const lats = [];
for (let r = 0; r < repeats; r++) {
  log(`latency${repeats > 1 ? ` (repeat ${r + 1} of ${repeats})` : ''}: ${runs} rounds x threads 1,2 (ai_edge_litert, tools venv), rotated order...`);
  lats.push(JSON.parse(execFileSync(q.tools.python, [q.latencyScript, '--runs', String(runs), '--threads', '1,2',
    ...pairs.flatMap((p) => ['--pairs', p]), ...Object.entries(files).map(([k, v]) => `${k}=${v}`)],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 60 * 60_000, killSignal: 'SIGKILL' })));
}
const lat = lats[0];
const median = (xs) => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };

const report = { runs, repeats, tensorflow: q.facts.tf.tensorflow, loadAverage: { before: loadBefore, after: loadavg() }, cpus: cpus().length, models: [] };
for (const name of MODEL_NAMES) {
  const tfKey = `${name}.tf`;
  const tfScore = q.facts.tfScores.fbnet[name];
  const tf = { bytes: statSync(files[tfKey]).size, agreement: tfScore.agreement, sqnrDb: tfScore.sqnr_db, latency: lat[tfKey], ops: opCounts(files[tfKey]) };
  const r = { model: name, tf, tfdoctor: {}, ratios: {} };
  for (const layout of ['nchw', 'nhwc']) {
    const key = `${name}.tfdoctor.${layout}`;
    const t = { bytes: statSync(files[key]).size, cliMs: convertMs[key], agreement: accuracy[key].agreement, sqnrDb: accuracy[key].sqnr_db, latency: lat[key], ops: opCounts(files[key]) };
    r.tfdoctor[layout] = t;
    const paired = (threads) => lats.map((l) => l[key][threads].paired[tfKey]);
    r.ratios[layout] = {
      size: t.bytes / tf.bytes, agreement: t.agreement - tf.agreement,
      // median over repeats of each repeat's median per-round ratio; p10/p90 from the first repeat
      latency1: median(paired('1').map((p) => p.median)), latency2: median(paired('2').map((p) => p.median)),
      latency1Spread: paired('1')[0], latency2Spread: paired('2')[0],
      latency1Repeats: paired('1').map((p) => p.median), latency2Repeats: paired('2').map((p) => p.median),
      cpu1: median(lats.map((l) => l[key]['1'].thread_cpu_median_ms / l[tfKey]['1'].thread_cpu_median_ms)),
    };
  }
  report.models.push(r);
}

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 2) => x.toFixed(d);
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(`int8: tfdoctor convert --quantize int8 vs TensorFlow ${report.tensorflow} full-int8 (Keras twin, same weights, same 200 calibration inputs)`);
  console.log(`latency: ai_edge_litert invoke(), XNNPACK, ${runs} rounds x ${repeats} repeat(s); ratio = median of per-round ratios (p10-p90 of them)`);
  console.log(`machine: ${report.cpus} CPUs, load average ${load(report.loadAverage.before)} before, ${load(report.loadAverage.after)} after (wall times stretch when load exceeds the CPU count; the per-round ratios and CPU times much less)\n`);
  const opsLine = (ops) => Object.entries(ops).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  for (const r of report.models) {
    console.log(`${r.model}: top-1 agreement with float (1000 inputs) TF ${f(r.tf.agreement, 3)} (SQNR ${f(r.tf.sqnrDb, 1)} dB), ` +
      ['nchw', 'nhwc'].map((l) => `tfdoctor ${l} ${f(r.tfdoctor[l].agreement, 3)} (SQNR ${f(r.tfdoctor[l].sqnrDb, 1)} dB)`).join(', '));
    console.log(`  ${'file'.padEnd(18)} ${'bytes'.padStart(10)} ${'size x'.padStart(7)} ${'1t ms'.padStart(8)} ${'x TF (p10-p90)'.padStart(20)} ${'2t ms'.padStart(8)} ${'x TF (p10-p90)'.padStart(20)} ${'1t cpu x'.padStart(9)}`);
    console.log(`  ${'TensorFlow int8'.padEnd(18)} ${String(r.tf.bytes).padStart(10)} ${'1.00'.padStart(7)} ${f(r.tf.latency['1'].median_ms).padStart(8)} ${'1.00'.padStart(20)} ${f(r.tf.latency['2'].median_ms).padStart(8)} ${'1.00'.padStart(20)} ${'1.00'.padStart(9)}`);
    for (const layout of ['nchw', 'nhwc']) {
      const t = r.tfdoctor[layout];
      const x = r.ratios[layout];
      const spread = (v, s) => `${f(v)} (${f(s.p10)}-${f(s.p90)})`;
      console.log(`  ${`tfdoctor ${layout}`.padEnd(18)} ${String(t.bytes).padStart(10)} ${f(x.size).padStart(7)} ${f(t.latency['1'].median_ms).padStart(8)} ${spread(x.latency1, x.latency1Spread).padStart(20)} ${f(t.latency['2'].median_ms).padStart(8)} ${spread(x.latency2, x.latency2Spread).padStart(20)} ${f(x.cpu1).padStart(9)}`);
      if (repeats > 1) console.log(`  ${''.padEnd(18)} per-repeat ratios 1t ${x.latency1Repeats.map((v) => f(v)).join(' ')}; 2t ${x.latency2Repeats.map((v) => f(v)).join(' ')}`);
    }
    const same = opsLine(r.tf.ops) === opsLine(r.tfdoctor.nhwc.ops);
    const xnn = (l) => `${l.delegation.xnnpack_ops} of ${l.delegation.ops} ops in XNNPACK`;
    console.log(`  delegation: TensorFlow ${xnn(r.tf.latency)}; tfdoctor nhwc ${xnn(r.tfdoctor.nhwc.latency)}, nchw ${xnn(r.tfdoctor.nchw.latency)}`);
    console.log(`  operators: TensorFlow ${opsLine(r.tf.ops)}`);
    console.log(`             tfdoctor nhwc ${same ? 'the same' : opsLine(r.tfdoctor.nhwc.ops)}; nchw ${opsLine(r.tfdoctor.nchw.ops)}`);
  }
  const worst = Math.max(...report.models.flatMap((r) => [r.ratios.nhwc.latency1, r.ratios.nhwc.latency2]));
  const agreementOk = report.models.every((r) => ['nchw', 'nhwc'].every((l) => r.ratios[l].agreement >= 0));
  console.log(`\nagreement >= TensorFlow's (both layouts): ${agreementOk}`);
  console.log(`worst NHWC latency ratio ${f(worst)} (target <= 1.00); sizes within 5 %: ${report.models.every((r) => Math.abs(r.ratios.nhwc.size - 1) <= 0.05)}`);
}
