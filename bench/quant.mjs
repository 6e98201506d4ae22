#!/usr/bin/env node
// Benchmark: tfdoctor's int8 FBNet-A/B vs TensorFlow's int8 of the Keras twin (same weights), one run.
//
// Models: the quantization yardsticks (scripts/models.mjs ensureQuantYardsticks: FBNet-A/B as classifiers
// of structured inputs (scripts/models/fbnet_quant.py), torch 2.13's default export, TensorFlow 2.20's full-int8 conversion of the Keras twin
// calibrated on the same 200 inputs). tfdoctor converts each ONNX file with the built CLI,
// `convert --quantize int8 --calibration fbnet.calib.npy`, twice: default (NCHW float I/O, like the
// ONNX model) and --nhwc (NHWC float I/O, like the Keras twin, whose input TensorFlow quantizes inside).
//
// Measured: .tflite size, the CLI's wall time, and LiteRT latency: ai_edge_litert Interpreter(num_threads=1|2),
// default resolver (builtin kernels + XNNPACK), invoke() median (and p10) of --runs runs, all files in one
// process, interleaved invoke by invoke (bench/litert_latency.py, tools venv).
// Accuracy: top-1 agreement with PyTorch's float logits and SQNR on the 1000 evaluation inputs (every file
// scored by scripts/models/tflite_eval.py, ai_edge_litert; TensorFlow's scores come from the yardstick build).
// Targets (issue 9): agreement >= TensorFlow's; size within 5 % of TensorFlow's; latency ratio (tfdoctor / TF)
// <= 1.0 at 1 and 2 threads.
//
// usage: npm run build && node bench/quant.mjs [--runs 100] [--json]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureQuantYardsticks, MODEL_NAMES } from '../scripts/models.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('--runs', '100'));
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

// accuracy of ours, one tflite_eval.py run per model (its --reference is that model's float logits)
const accuracy = {};
for (const name of MODEL_NAMES) {
  log(`accuracy: ${name}, tfdoctor nchw/nhwc on ${q.fbnet.eval} ...`);
  Object.assign(accuracy, JSON.parse(execFileSync(q.tools.python, [q.evalScript, '--inputs', q.fbnet.eval, '--labels', q.fbnet.labels,
    '--reference', q.fbnet.models[name].torchEval, ...['nchw', 'nhwc'].map((l) => `${name}.tfdoctor.${l}=${files[`${name}.tfdoctor.${l}`]}`)],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 60 * 60_000 })));
}

log(`latency: ${runs} runs x threads 1,2 per model (ai_edge_litert, tools venv), interleaved...`);
const lat = JSON.parse(execFileSync(q.tools.python, [q.latencyScript, '--runs', String(runs), '--threads', '1,2',
  ...Object.entries(files).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 60 * 60_000 }));

const report = { runs, tensorflow: q.facts.tf.tensorflow, loadAverage: loadavg(), cpus: cpus().length, models: [] };
for (const name of MODEL_NAMES) {
  const tfScore = q.facts.tfScores.fbnet[name];
  const tf = { bytes: statSync(files[`${name}.tf`]).size, agreement: tfScore.agreement, sqnrDb: tfScore.sqnr_db, latency: lat[`${name}.tf`] };
  const r = { model: name, tf, tfdoctor: {}, ratios: {} };
  for (const layout of ['nchw', 'nhwc']) {
    const key = `${name}.tfdoctor.${layout}`;
    const t = { bytes: statSync(files[key]).size, cliMs: convertMs[key], agreement: accuracy[key].agreement, sqnrDb: accuracy[key].sqnr_db, latency: lat[key] };
    r.tfdoctor[layout] = t;
    r.ratios[layout] = {
      size: t.bytes / tf.bytes, agreement: t.agreement - tf.agreement,
      latency1: t.latency['1'].median_ms / tf.latency['1'].median_ms, latency2: t.latency['2'].median_ms / tf.latency['2'].median_ms,
      latency1P10: t.latency['1'].p10_ms / tf.latency['1'].p10_ms, latency2P10: t.latency['2'].p10_ms / tf.latency['2'].p10_ms,
    };
  }
  report.models.push(r);
}

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 2) => x.toFixed(d);
  console.log(`int8: tfdoctor convert --quantize int8 vs TensorFlow ${report.tensorflow} full-int8 (Keras twin, same weights, same 200 calibration inputs)`);
  console.log(`latency: ai_edge_litert invoke() median of ${runs} runs, XNNPACK, interleaved invoke by invoke`);
  console.log(`machine: ${report.cpus} CPUs, load average ${report.loadAverage.map((x) => x.toFixed(1)).join(' ')} (latency is noisy when this exceeds the CPU count)\n`);
  for (const r of report.models) {
    console.log(`${r.model}: top-1 agreement with float (1000 inputs) TF ${f(r.tf.agreement, 3)} (SQNR ${f(r.tf.sqnrDb, 1)} dB), ` +
      ['nchw', 'nhwc'].map((l) => `tfdoctor ${l} ${f(r.tfdoctor[l].agreement, 3)} (SQNR ${f(r.tfdoctor[l].sqnrDb, 1)} dB)`).join(', '));
    console.log(`  ${'file'.padEnd(18)} ${'bytes'.padStart(10)} ${'size x'.padStart(7)} ${'lat 1t ms'.padStart(10)} ${'x TF'.padStart(6)} ${'lat 2t ms'.padStart(10)} ${'x TF'.padStart(6)} ${'p10 x TF 1t/2t'.padStart(15)}`);
    console.log(`  ${'TensorFlow int8'.padEnd(18)} ${String(r.tf.bytes).padStart(10)} ${'1.00'.padStart(7)} ${f(r.tf.latency['1'].median_ms).padStart(10)} ${'1.00'.padStart(6)} ${f(r.tf.latency['2'].median_ms).padStart(10)} ${'1.00'.padStart(6)}`);
    for (const layout of ['nchw', 'nhwc']) {
      const t = r.tfdoctor[layout];
      const x = r.ratios[layout];
      console.log(`  ${`tfdoctor ${layout}`.padEnd(18)} ${String(t.bytes).padStart(10)} ${f(x.size).padStart(7)} ${f(t.latency['1'].median_ms).padStart(10)} ${f(x.latency1).padStart(6)} ${f(t.latency['2'].median_ms).padStart(10)} ${f(x.latency2).padStart(6)} ${`${f(x.latency1P10)}/${f(x.latency2P10)}`.padStart(15)}`);
    }
  }
  const worst = Math.max(...report.models.flatMap((r) => [r.ratios.nhwc.latency1, r.ratios.nhwc.latency2]));
  const agreementOk = report.models.every((r) => ['nchw', 'nhwc'].every((l) => r.ratios[l].agreement >= 0));
  console.log(`\nagreement >= TensorFlow's (both layouts): ${agreementOk}`);
  console.log(`worst NHWC latency ratio ${f(worst)} (target <= 1.00); sizes within 5 %: ${report.models.every((r) => Math.abs(r.ratios.nhwc.size - 1) <= 0.05)}`);
}
