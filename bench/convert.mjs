#!/usr/bin/env node
// Benchmark: tfdoctor's native converter vs TensorFlow's own converter, FBNet-A and FBNet-B, one run.
//
// What is timed, precisely:
//   tfdoctor convert  - the in-process `convertFile(onnx)` call (read + convert + write bytes), Node
//                       warm (one untimed call first), median of --repeats calls; also the whole CLI
//                       as users start it (package.json's bin, the launcher bin/tfdoctor: `tfdoctor convert
//                       X -o Y`, process start to exit) once; bench/startup.mjs times that over many runs
//                       against TensorFlow and is the figure of record.
//   TensorFlow        - `TFLiteConverter.from_keras_model(model).convert()` inside Python
//                       (scripts/models/fbnet_keras.py, seed venv, TF 2.20), measured in this run;
//                       TensorFlow's import and the Keras model's construction are NOT included.
//   latency           - ai_edge_litert Interpreter(num_threads=1|2), default resolver (XNNPACK),
//                       invoke() median of >= 50 runs, all .tflite files in the same process,
//                       interleaved invoke by invoke (bench/litert_latency.py, tools venv). The p10
//                       ratio is printed too: on a loaded machine it is the steadier figure. Also the
//                       per-round paired ratio (median, 95 % bootstrap interval) beside an A/A control:
//                       TF's own file in a second Interpreter, paired with the first.
// The ONNX input is torch 2.13's default export (`torch.onnx.export(model, (x,), f)`); tfdoctor
// converts it twice: default (NCHW I/O, like the ONNX model) and --nhwc (NHWC I/O, like the Keras twin).
// Targets (issue #3): conversion >= 50x faster, latency ratio (tfdoctor / TF) <= 1.0.
//
// usage: npm run build && node bench/convert.mjs [--runs 100] [--instances 1] [--repeats 5] [--json] [--variant dynamo|legacy13]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ensureModels, MODEL_NAMES } from '../scripts/models.mjs';
import { ensureVenv } from '../scripts/venvs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('--runs', '100'));
// --instances K: K Interpreters per file, their mean per round (litert_latency.py: averages out where one
// instance's buffers happen to land, the bias the A/A control shows)
const instances = Number(opt('--instances', '1'));
if (!Number.isInteger(instances) || instances < 1) { console.error('--instances takes a whole number >= 1'); process.exit(2); }
const repeats = Number(opt('--repeats', '5'));
const variant = opt('--variant', 'dynamo');
const asJson = args.includes('--json');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const { convertFile } = await import(join(root, 'dist', 'convert', 'index.js'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const models = ensureModels({ log });
const tools = ensureVenv('tools', { log });
const seed = ensureVenv('seed', { log });
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-'));

// TensorFlow's converter on the Keras twins, measured now
log('TensorFlow: building the Keras twins and converting (seed venv)...');
const tfDir = join(work, 'tf');
const tfRun = spawnSync(seed.python, [join(root, 'scripts', 'models', 'fbnet_keras.py'), '--models', models.dir, '--out', tfDir],
  { cwd: join(root, 'scripts', 'models'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
if (tfRun.status !== 0) throw new Error(`fbnet_keras.py failed:\n${tfRun.stderr.split('\n').slice(-20).join('\n')}`);
const tf = JSON.parse(readFileSync(join(tfDir, 'facts.json'), 'utf8'));

// nhwc-gather: --nhwc with channel shuffles as one GATHER (onnx2tf's form): fewer ops, but GATHER is not
// delegated to XNNPACK, so its latency is measured here beside the default's
const LAYOUTS = ['nchw', 'nhwc', 'nhwc-gather'];
const rows = [];
const latencyArgs = [];
for (const name of MODEL_NAMES) {
  const onnx = models.models[name].exports[variant];
  const entry = { model: name, onnx, tf: { ...tf.models[name], tflite: join(tfDir, `${name}.tf.tflite`) }, tfdoctor: {} };
  for (const layout of LAYOUTS) {
    const o = { nhwc: layout !== 'nchw', ...(layout === 'nhwc-gather' ? { gatherShuffles: true } : {}) };
    await convertFile(onnx, o); // warm-up: module JIT and file cache
    const times = [];
    let result;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      result = await convertFile(onnx, o);
      times.push(performance.now() - t0);
    }
    const out = join(work, `${name}.${layout}.tflite`);
    writeFileSync(out, result.tflite);
    entry.tfdoctor[layout] = { tflite: out, convertMs: median(times), convertMsAll: times, ops: result.summary.opsOut, opCounts: result.summary.opCounts, bytes: result.tflite.length };
    latencyArgs.push(`${name}.tfdoctor.${layout}=${out}`);
  }
  const cliOut = join(work, `${name}.cli.tflite`);
  const t0 = performance.now();
  const cli = spawnSync(join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tfdoctor), ['convert', onnx, '-o', cliOut], { encoding: 'utf8' });
  entry.tfdoctor.cliWallMs = performance.now() - t0;
  entry.tfdoctor.cliExit = cli.status;
  latencyArgs.push(`${name}.tf=${entry.tf.tflite}`);
  // an A/A control: TensorFlow's own file again (a copy, its own Interpreter), paired with the first: the
  // spread two runs of the very same graph show is the noise any ours/TF ratio is judged against
  const again = join(work, `${name}.tf-again.tflite`);
  copyFileSync(entry.tf.tflite, again);
  latencyArgs.push(`${name}.tf-again=${again}`);
  rows.push(entry);
}

log(`latency: ${runs} runs x threads 1,2 per model (ai_edge_litert, tools venv)...`);
// per-round ratios (litert_latency.py --pairs NAME:BASE): ours and the A/A control, each over TF's file
const pairArgs = MODEL_NAMES.flatMap((m) => ['--pairs', `${m}.tfdoctor.nhwc:${m}.tf`, '--pairs', `${m}.tf-again:${m}.tf`]);
const lat = JSON.parse(execFileSync(tools.python, [join(root, 'bench', 'litert_latency.py'), '--runs', String(runs), '--instances', String(instances), '--threads', '1,2', ...pairArgs, ...latencyArgs],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 }));

const report = { variant, runs, instances, repeats, tensorflow: tf.tensorflow, loadAverage: (await import('node:os')).loadavg(), models: [] };
for (const e of rows) {
  const r = { model: e.model, tf: { convertS: e.tf.convert_seconds, ops: e.tf.op_count, bytes: e.tf.bytes, latency: lat[`${e.model}.tf`] }, tfdoctor: {} };
  for (const layout of LAYOUTS) {
    const t = e.tfdoctor[layout];
    r.tfdoctor[layout] = { convertMs: t.convertMs, ops: t.ops, bytes: t.bytes, latency: lat[`${e.model}.tfdoctor.${layout}`] };
  }
  r.tfdoctor.cliWallMs = e.tfdoctor.cliWallMs;
  r.tfdoctor.cliExit = e.tfdoctor.cliExit;
  r.ratios = {
    conversionSpeedup: (e.tf.convert_seconds * 1000) / e.tfdoctor.nhwc.convertMs,
    conversionSpeedupCli: (e.tf.convert_seconds * 1000) / e.tfdoctor.cliWallMs,
    latency1: r.tfdoctor.nhwc.latency['1'].median_ms / r.tf.latency['1'].median_ms,
    latency2: r.tfdoctor.nhwc.latency['2'].median_ms / r.tf.latency['2'].median_ms,
    latency1P10: r.tfdoctor.nhwc.latency['1'].p10_ms / r.tf.latency['1'].p10_ms,
    latency2P10: r.tfdoctor.nhwc.latency['2'].p10_ms / r.tf.latency['2'].p10_ms,
    latency1Nchw: r.tfdoctor.nchw.latency['1'].median_ms / r.tf.latency['1'].median_ms,
    latency2Nchw: r.tfdoctor.nchw.latency['2'].median_ms / r.tf.latency['2'].median_ms,
    latency1Gather: r.tfdoctor['nhwc-gather'].latency['1'].median_ms / r.tf.latency['1'].median_ms,
    latency2Gather: r.tfdoctor['nhwc-gather'].latency['2'].median_ms / r.tf.latency['2'].median_ms,
    latency1GatherP10: r.tfdoctor['nhwc-gather'].latency['1'].p10_ms / r.tf.latency['1'].p10_ms,
    latency2GatherP10: r.tfdoctor['nhwc-gather'].latency['2'].p10_ms / r.tf.latency['2'].p10_ms,
  };
  r.paired = {};
  for (const threads of ['1', '2']) {
    const pair = (num) => lat[num][threads].paired[`${e.model}.tf`];
    r.paired[threads] = { nhwc: pair(`${e.model}.tfdoctor.nhwc`), tfAgain: pair(`${e.model}.tf-again`) };
  }
  report.models.push(r);
}

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 1) => x.toFixed(d);
  console.log(`tfdoctor convert vs TensorFlow ${tf.tensorflow} TFLiteConverter (Keras twin, same weights); ONNX: torch default export (${variant})`);
  console.log(`conversion: tfdoctor = in-process convertFile() median of ${repeats} (warm); TF = converter call only (no import, no model build)`);
  console.log(`latency: ai_edge_litert invoke() median of ${runs} runs, XNNPACK, interleaved invoke by invoke${instances > 1 ? `, each file in ${instances} Interpreters (a round's time is their mean)` : ''}`);
  console.log(`machine: ${(await import('node:os')).cpus().length} CPUs, load average ${report.loadAverage.map((x) => x.toFixed(1)).join(' ')} (latency is noisy when this exceeds the CPU count)\n`);
  for (const r of report.models) {
    console.log(`${r.model}`);
    console.log(`  ${'converter'.padEnd(34)} ${'convert'.padStart(10)} ${'ops'.padStart(4)} ${'bytes'.padStart(10)} ${'lat 1t ms'.padStart(10)} ${'lat 2t ms'.padStart(10)}`);
    const line = (label, convert, t) => console.log(`  ${label.padEnd(34)} ${convert.padStart(10)} ${String(t.ops).padStart(4)} ${String(t.bytes).padStart(10)} ${f(t.latency['1'].median_ms, 2).padStart(10)} ${f(t.latency['2'].median_ms, 2).padStart(10)}`);
    line('TensorFlow (Keras)', `${f(r.tf.convertS, 2)} s`, r.tf);
    line('tfdoctor --nhwc', `${f(r.tfdoctor.nhwc.convertMs, 0)} ms`, r.tfdoctor.nhwc);
    line('tfdoctor (NCHW I/O)', `${f(r.tfdoctor.nchw.convertMs, 0)} ms`, r.tfdoctor.nchw);
    line('tfdoctor --nhwc --gather-shuffles', `${f(r.tfdoctor['nhwc-gather'].convertMs, 0)} ms`, r.tfdoctor['nhwc-gather']);
    console.log(`  tfdoctor CLI wall (process start to exit): ${f(r.tfdoctor.cliWallMs, 0)} ms (exit ${r.tfdoctor.cliExit})`);
    const ok = (b) => (b ? 'ok' : 'MISSED');
    console.log(`  conversion speedup: ${f(r.ratios.conversionSpeedup)}x in-process, ${f(r.ratios.conversionSpeedupCli)}x whole CLI  [target >= 50x: ${ok(r.ratios.conversionSpeedup >= 50)}]`);
    console.log(`  latency ratio tfdoctor/TF (--nhwc): 1 thread ${f(r.ratios.latency1, 3)}, 2 threads ${f(r.ratios.latency2, 3)}  [target <= 1.0: ${ok(r.ratios.latency1 <= 1 && r.ratios.latency2 <= 1)}]`);
    console.log(`  latency ratio tfdoctor/TF (--nhwc, p10 instead of median): 1 thread ${f(r.ratios.latency1P10, 3)}, 2 threads ${f(r.ratios.latency2P10, 3)}`);
    const ci = (p) => `${f(p.median, 3)} [${f(p.lo, 3)}, ${f(p.hi, 3)}]`;
    for (const t of ['1', '2']) {
      const p = r.paired[t];
      const verdict = p.nhwc.hi <= 1 ? 'not slower' : p.nhwc.lo > 1 ? 'SLOWER' : 'a tie: the interval holds 1.0';
      console.log(`  paired per round, ${t} thread${t === '1' ? '' : 's'}: tfdoctor/TF ${ci(p.nhwc)}; TF/TF (same file, A/A control) ${ci(p.tfAgain)}  [${verdict}]`);
    }
    console.log(`  latency ratio tfdoctor/TF (NCHW I/O): 1 thread ${f(r.ratios.latency1Nchw, 3)}, 2 threads ${f(r.ratios.latency2Nchw, 3)}`);
    console.log(`  latency ratio tfdoctor/TF (--nhwc --gather-shuffles): 1 thread ${f(r.ratios.latency1Gather, 3)}, 2 threads ${f(r.ratios.latency2Gather, 3)}; p10 ${f(r.ratios.latency1GatherP10, 3)}, ${f(r.ratios.latency2GatherP10, 3)}\n`);
  }
}
