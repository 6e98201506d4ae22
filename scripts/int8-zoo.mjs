#!/usr/bin/env node
// --quantize int8 on torchvision zoo files (node scripts/models.mjs zoo-path) and FBNet-A/B: per model,
// 200 seeded standard-normal calibration inputs (the zoo's BatchNorm statistics were re-estimated on
// such inputs, so activations have a sane scale), then HELD_OUT other inputs through the int8 .tflite in
// LiteRT.js against the float ONNX model in onnxruntime: top-1 agreement, SQNR, which ops stayed float,
// size against the float .tflite. With --python, the Python tier (ai_edge_litert, XNNPACK) too; with
// --ort, a yardstick: onnxruntime's own quantize_static (QDQ, per-channel weights, MinMax) of the same
// ONNX file on the same samples, run in onnxruntime (scripts/models/ort_int8.py).
// Random-weight models can have near-tied logits, where top-1 agreement measures noise, not the
// quantizer: `noiseAgreement` is the agreement the float logits keep under Gaussian noise of the int8
// error's own size (same SQNR, no systematic error), the ceiling a quantizer of that SQNR can expect.
// `inputRounding` is the float model run on the held-out inputs rounded to the int8 model's input grid:
// the error no int8 model escapes (random-weight networks can amplify it to near-chance agreement).
// --out FILE appends one JSON line per model as it finishes (long runs survive being cut).
// Needs `npm run build` first (imports dist/). usage:
//   node scripts/int8-zoo.mjs [--only resnet18,mobilenet_v2] [--exports dynamo,torchscript] [--calibration 200]
//     [--held-out 100] [--keep-float auto [--min-agreement 0.95]] [--method mse|minmax] [--no-bias-correction] [--python] [--ort | --ort-only] [--out rows.jsonl] [--dist DIR] [--verbose] [--json]
//   --ort-only: the onnxruntime yardstick alone (no int8 convert of ours); its row joins the table's row of the same
//   model and sample counts (same seeded samples) instead of replacing it
//   node scripts/int8-zoo.mjs --markdown bench/results/int8-zoo.md --rows bench/results/int8-zoo.jsonl
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModels, ensureZoo } from './models.mjs';
import { ensureVenv } from './venvs.mjs';
import { writeTable, ZOO } from './int8-zoo-table.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
// --dist DIR: another build of the project (e.g. a tsc --outDir experiment) instead of dist/
const dist = resolve(opt('--dist', resolve(here, '..', 'dist')));
const only = opt('--only', ZOO.join(',')).split(',');
const exportsWanted = opt('--exports', 'dynamo').split(',');
const method = opt('--method', undefined);
const outFile = opt('--out', undefined);
const ortOnly = args.includes('--ort-only');
const withOrt = ortOnly || args.includes('--ort');
const nCal = Number(opt('--calibration', '200'));
const nHeld = Number(opt('--held-out', '100'));
const withPython = args.includes('--python');
// --keep-float auto|NAMES [--min-agreement X]: the int8 model with convert's --keep-float (keep-float.ts)
const keepFloat = opt('--keep-float', undefined);
const minAgreement = Number(opt('--min-agreement', '0.95'));

const { floatReasonText } = await import(join(dist, 'report', 'quantization.js'));
// --markdown FILE --rows ROWS.jsonl: writes the table of the rows (the last row per model wins) and stops
if (opt('--markdown', undefined)) {
  writeTable(opt('--rows', undefined), opt('--markdown', undefined), (why) => floatReasonText(why, { measured: false }));
  process.exit(0);
}

const { convertFile } = await import(join(dist, 'convert', 'index.js'));
const { openTflite } = await import(join(dist, 'verify', 'litert.js'));
const { openOnnx } = await import(join(dist, 'verify', 'onnxrt.js'));
const { seededInputs } = await import(join(dist, 'verify', 'prng.js'));
const { encodeNpyFloat32 } = await import(join(dist, 'verify', 'npy.js'));
const { readTflite } = await import(join(dist, 'convert', 'tflite', 'read.js'));

/** scale and zero point of the int8 model's first QUANTIZE of its (float) input */
function inputParams(tflite) {
  const m = readTflite(tflite);
  const q = m.operators.find((op) => op.op === 'QUANTIZE' && op.inputs[0] === m.inputs[0]);
  const p = q && m.tensors[q.outputs[0]].quantization;
  return p ? { scale: p.scale[0], zeroPoint: p.zeroPoint[0] } : undefined;
}
/** x rounded to the int8 grid of `p` and back: what the int8 model's first op sees */
function roundToGrid(x, p) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (Math.min(127, Math.max(-128, Math.round(x[i] / p.scale) + p.zeroPoint)) - p.zeroPoint) * p.scale;
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-zoo-'));
function npy(name, dims, n, seed0) {
  const xs = Array.from({ length: n }, (_, k) => seededInputs([dims], seed0 + k)[0]);
  const all = new Float32Array(n * xs[0].length);
  xs.forEach((x, k) => all.set(x, k * x.length));
  const path = join(work, name);
  writeFileSync(path, encodeNpyFloat32(all, [n, ...dims.slice(1)]));
  return { path, xs };
}
/** top-1 minus top-2 logit */
function margin(a) { let b1 = -Infinity; let b2 = -Infinity; for (const v of a) { if (v > b1) { b2 = b1; b1 = v; } else if (v > b2) b2 = v; } return b1 - b2; }
const median = (xs) => { const s = [...xs].sort((p, q) => p - q); return s[s.length >> 1]; };
/** top-1 agreement of the float logits with themselves plus seeded Gaussian noise of std `sigma` (20 draws each) */
function noiseAgreement(refs, sigma) {
  let state = 12345;
  const uniform = () => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return (state + 0.5) / 2 ** 32; };
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  let agree = 0; let n = 0;
  for (const r of refs) {
    const top = argmax(r);
    for (let d = 0; d < 20; d++) {
      let best = 0; let bestV = -Infinity;
      for (let i = 0; i < r.length; i++) { const v = r[i] + sigma * gauss(); if (v > bestV) { bestV = v; best = i; } }
      if (best === top) agree++;
      n++;
    }
  }
  return +(agree / n).toFixed(3);
}
const argmax = (a) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };

function modelList() {
  const out = [];
  const fb = only.filter((n) => n.startsWith('fbnet_'));
  if (fb.length) { const m = ensureModels(); for (const n of fb) out.push({ name: `${n}.dynamo`, onnx: m.models[n].exports.dynamo }); }
  const zooNames = only.filter((n) => !n.startsWith('fbnet_'));
  if (zooNames.length) {
    const z = ensureZoo();
    const dir = z.dir;
    for (const n of zooNames) for (const e of exportsWanted) out.push({ name: `${n}.${e}`, onnx: join(dir, `${n}.${e}.onnx`) });
  }
  return out;
}

/** onnxruntime's quantize_static of the same file on the same samples (scripts/models/ort_int8.py) */
function ortYardstick(onnx, calPath, heldPath) {
  const py = ensureVenv('tools').python;
  const r = JSON.parse(execFileSync(py, [join(here, 'models', 'ort_int8.py'), '--onnx', onnx, '--calibration', calPath, '--samples', heldPath],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 3_600_000 }).trim().split('\n').at(-1));
  return { agreement: r.agreement, sqnrDb: +r.sqnr_db.toFixed(2), seconds: Math.round(r.seconds) };
}

const rows = [];
for (const m of modelList()) {
  const row = { model: m.name, calibration: nCal, heldOut: nHeld };
  const tModel = Date.now();
  try {
    const floatRun = await convertFile(m.onnx, {});
    const dims = floatRun.summary.inputs[0].shape;
    const inputName = floatRun.summary.inputs[0].name;
    const cal = npy(`${m.name}.cal.npy`, dims, nCal, 10_000);
    const held = npy(`${m.name}.held.npy`, dims, nHeld, 0);
    if (ortOnly) {
      row.yardstick = 'ort';
      row.ort = ortYardstick(m.onnx, cal.path, held.path);
      row.totalSeconds = Math.round((Date.now() - tModel) / 1000);
      rows.push(row);
      if (outFile) appendFileSync(outFile, `${JSON.stringify(row)}\n`);
      if (!args.includes('--json')) console.log(`${row.model}: ORT quantize_static agreement ${row.ort.agreement} SQNR ${row.ort.sqnrDb} dB`);
      continue;
    }
    const t0 = Date.now();
    const onProgress = args.includes('--verbose') ? (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m.name}: ${msg}`) : undefined;
    const { tflite, summary } = await convertFile(m.onnx, { ...(onProgress ? { onProgress } : {}), quantize: { mode: 'int8', calibration: cal.path, ...(method ? { method } : {}), ...(args.includes('--no-bias-correction') ? { biasCorrection: false } : {}),
      ...(keepFloat ? { keepFloat: keepFloat === 'auto' ? { auto: { minAgreement } } : { names: keepFloat.split(',') } } : {}) } });
    if (summary.quantization.keepFloat) row.keepFloat = summary.quantization.keepFloat;
    row.quantizeSeconds = (Date.now() - t0) / 1000;
    const path = join(work, `${m.name}.int8.tflite`);
    writeFileSync(path, tflite);
    row.ops = summary.quantization.ops.length;
    row.floatOps = summary.quantization.ops.filter((o) => o.status === 'float').map((o) => ({ op: o.op, why: o.why }));
    row.sizeRatio = +(tflite.length / floatRun.tflite.length).toFixed(3);
    const s = await openTflite(tflite);
    const ort = await openOnnx(m.onnx);
    let agree = 0; let sig = 0; let noise = 0; let count = 0;
    const refs = [];
    const ip = inputParams(tflite);
    let floorAgree = 0; let floorNoise = 0;
    try {
      for (const x of held.xs) {
        const ref = (await ort.run({ [inputName]: { dims, data: x } })).outputs[0].data;
        if (ip) {
          // the float model on the input rounded to the int8 input grid: the error no int8 model escapes
          const fl = (await ort.run({ [inputName]: { dims, data: roundToGrid(x, ip) } })).outputs[0].data;
          if (argmax(fl) === argmax(ref)) floorAgree++;
          for (let i = 0; i < ref.length; i++) floorNoise += (ref[i] - fl[i]) ** 2;
        }
        const out = (await s.run([{ dims, data: x }])).outputs[0].data;
        refs.push(ref);
        if (argmax(ref) === argmax(out)) agree++;
        for (let i = 0; i < ref.length; i++) { sig += ref[i] ** 2; noise += (ref[i] - out[i]) ** 2; }
        count += ref.length;
      }
    } finally { s.close(); await ort.close(); }
    row.node = { agreement: agree / nHeld, sqnrDb: +(10 * Math.log10(sig / noise)).toFixed(2) };
    if (ip) row.inputRounding = { agreement: floorAgree / nHeld, sqnrDb: +(10 * Math.log10(sig / floorNoise)).toFixed(2) };
    row.noiseAgreement = noiseAgreement(refs, Math.sqrt(noise / count));
    row.medianMarginOverNoise = +median(refs.map((r) => margin(r))).toFixed(3) / Math.sqrt(noise / count);
    row.medianMarginOverNoise = +row.medianMarginOverNoise.toFixed(2);
    if (withOrt) {
      row.ort = ortYardstick(m.onnx, cal.path, held.path);
    }
    if (withPython) {
      const py = ensureVenv('tools').python;
      const r = JSON.parse(execFileSync(py, [join(here, 'models', 'run_quantized.py'), '--onnx', m.onnx, '--tflite', path, '--samples', held.path, '--resolvers', 'auto'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 1_800_000 }).trim().split('\n').at(-1));
      row.python = { agreement: r.resolvers.auto.agreement, sqnrDb: +r.resolvers.auto.sqnr_db.toFixed(2) };
    }
  } catch (err) {
    if (ortOnly) row.yardstick = 'ort';
    row.error = String(err?.message ?? err).split('\n')[0];
  }
  row.totalSeconds = Math.round((Date.now() - tModel) / 1000);
  rows.push(row);
  if (outFile) appendFileSync(outFile, `${JSON.stringify(row)}\n`);
  if (!args.includes('--json')) {
    console.log(`${row.model}: ${row.error ? `ERROR ${row.error}` : `agreement ${row.node.agreement} SQNR ${row.node.sqnrDb} dB (LiteRT.js)` +
      (row.inputRounding ? `, input rounding alone: agreement ${row.inputRounding.agreement} SQNR ${row.inputRounding.sqnrDb} dB` : '') +
      `, noise-only agreement ${row.noiseAgreement}, margin/noise ${row.medianMarginOverNoise}` +
      (row.ort ? `, ORT quantize_static agreement ${row.ort.agreement} SQNR ${row.ort.sqnrDb} dB` : '') +
      (row.python ? `, agreement ${row.python.agreement} SQNR ${row.python.sqnrDb} dB (ai_edge_litert)` : '') +
      `, size x${row.sizeRatio}, ${row.quantizeSeconds.toFixed(0)} s, float ops: ${row.floatOps.length ? row.floatOps.map((o) => `${o.op}: ${floatReasonText(o.why)}`).join('; ') : 'none'}`}`);
    if (row.keepFloat) console.log(`  keep-float: ${JSON.stringify({ ...row.keepFloat, kept: row.keepFloat.kept.map((k) => `${k.op} ${k.output}`) })}`);
  }
}
if (args.includes('--json')) console.log(JSON.stringify({ calibration: nCal, heldOut: nHeld, rows }, null, 2));
