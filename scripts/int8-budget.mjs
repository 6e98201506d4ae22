#!/usr/bin/env node
// Where does an int8 model's output error come from, as a budget? (issue #9: the SE / SiLU / hard-swish nets'
// gap to the input-rounding floor.) int8-scan.mjs gives each operator's own (local) error; this gives what
// parts of the int8 model do to the OUTPUT, the one number users see. The float .tflite and int8 .tflites
// of one ONNX model (calibrated as convert --quantize int8 is: seeded standard-normal samples, seeds 10000+k)
// run in LiteRT.js on seeded inputs (seeds --sample-seed..); each line is the logits' SQNR (pooled over the
// samples, and the mean of the per-sample values) and top-1 agreement against the float model, for:
//   all int8                 the model convert writes;
//   input rounding           only the input's QUANTIZE in int8 (the zoo table's floor);
//   only OP int8             one operator type int8, every other operator float (its inputs are quantized
//                            at their calibrated params: that type's roundings and weights alone);
//   SE path float / only     the tensors of 1x1 spatial size (squeeze-excitation's pooled vector, its two
//                            convs and its gate) float, or only they in int8;
//   weights only             the float model with every weighted operator's filter rounded to its int8 grid;
//   own-sample ranges        with --oracle N: each of the first N samples scored by an int8 model calibrated
//                            on that very sample alone: what a static range choice could reach at best
//                            (the range problem removed, the roundings left);
//   input perturbations      with --sensitivity: the FLOAT model on inputs perturbed by white noise of the
//                            int8 input step, by a DC offset and by a gain error of equal power: how much the
//                            network itself amplifies each kind of error (no int8 operator involved);
//   single operators         with --sweep K: the K operators that alone in int8 (with the input) add the most
//                            output noise, as the SQNR of that added noise (--keep-float auto's measure).
// Caveat: an operator float here is read back at its own calibrated params, also where the int8 model ties them
// to its input's (a float PAD before an int8 CONV rounds twice), so single-operator numbers are upper bounds.
// Operators float here are cut loose with a 'kept-to-measure' reason; the calibrated model's biases are
// bias-corrected for int8 weights, so "every operator float" is not exactly the float model (printed too).
// Needs `npm run build` first. usage:
//   node scripts/int8-budget.mjs (--zoo NAME | --onnx FILE) [--calibration 16] [--samples 8] [--sample-seed 20000]
//     [--method mse|minmax] [--oracle N] [--sweep K] [--sensitivity] [--dist DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { converterModules, floatGraph as floatGraphOf, scriptArgs, writeCalibration } from './int8-common.mjs';

const { args, opt, dist, onnxPath } = scriptArgs('int8-budget.mjs');
const nCal = Number(opt('--calibration', '16'));
const nSamples = Number(opt('--samples', '8'));
const sampleSeed = Number(opt('--sample-seed', '20000'));
const method = opt('--method', undefined);
const nOracle = Number(opt('--oracle', '0'));
const nSweep = Number(opt('--sweep', '0'));

const m = await converterModules(dist);
const { calibrateInt8, quantizeInt8, writeVersionedTflite, openTflite, seededInputs } = m;
const { INT8_RULES } = await import(join(dist, 'convert', 'quantize', 'int8-rules.js'));
const { symmetricInt8 } = await import(join(dist, 'convert', 'quantize', 'weights.js'));

const floatGraph = () => floatGraphOf(m, onnxPath);
const { g, onnxDims } = floatGraph();
const inDims = g.tensors[g.inputs[0]].shape;
const onnxIn = [...onnxDims.values()][0];
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-budget-'));

/** a bias-corrected copy of the float graph and its ranges, calibrated on the inputs of `seeds` */
async function calibrated(seeds) {
  const { g: gq } = floatGraph();
  const path = join(work, 'cal.npy');
  writeCalibration(m, path, onnxIn, seeds);
  const cal = await calibrateInt8(gq, onnxDims, path, method ? { method } : {});
  return { gq, ranges: cal.ranges };
}

const score = () => ({ sig: 0, noise: 0, dbSum: 0, agree: 0, n: 0 });
function add(s, ref, got) {
  let sig = 0; let noise = 0; let a = 0; let b = 0;
  for (let i = 0; i < ref.length; i++) {
    sig += ref[i] ** 2; noise += (ref[i] - got[i]) ** 2;
    if (ref[i] > ref[a]) a = i;
    if (got[i] > got[b]) b = i;
  }
  s.sig += sig; s.noise += noise; s.dbSum += 10 * Math.log10(sig / noise); s.agree += a === b ? 1 : 0; s.n++;
}
const fmt = (label, s, extra = '') => `${label.padEnd(34)} SQNR ${(10 * Math.log10(s.sig / s.noise)).toFixed(2).padStart(6)} dB  per-sample mean ${(s.dbSum / s.n).toFixed(2).padStart(6)} dB  agreement ${s.agree}/${s.n}${extra}`;

const xs = Array.from({ length: nSamples }, (_, s) => seededInputs([inDims], sampleSeed + s)[0]);
const refs = [];
{
  const f = await openTflite(writeVersionedTflite(g));
  for (const x of xs) refs.push(Float32Array.from((await f.run([{ dims: inDims, data: x }])).outputs[0].data));
  f.close();
}

/** scores graph G on samples `which` (indexes into xs) */
async function run(G, which = xs.map((_, i) => i), into = score()) {
  const sess = await openTflite(writeVersionedTflite(G));
  try {
    for (const i of which) {
      const r = await sess.run([{ dims: inDims, data: xs[i] }]);
      if (r.errors.length) throw new Error(`LiteRT: ${r.errors.join('; ')}`);
      add(into, refs[i], r.outputs[0].data);
    }
  } finally {
    sess.close();
  }
  return into;
}

/** the int8 model of `gq` with the operators `float(op, index)` picks kept float */
function int8With(gq, ranges, float) {
  const keep = new Map();
  gq.operators.forEach((op, i) => { if (float(op, i)) keep.set(i, { code: 'kept-to-measure' }); });
  return quantizeInt8(gq, ranges, { keep }).graph;
}

console.error(`calibrating on ${nCal} samples`);
const { gq, ranges } = await calibrated(Array.from({ length: nCal }, (_, k) => 10_000 + k));
const name = (i) => gq.tensors[gq.operators[i].outputs[0]].name;
const isInputQuantize = (op, i) => i === 0 && op.op === 'TRANSPOSE';
const sePath = (op) => { const s = gq.tensors[op.outputs[0]].shape; return s.length === 4 && s[1] === 1 && s[2] === 1; };
console.log(`# ${onnxPath}: ${nCal} calibration samples, ${nSamples} scored (seeds ${sampleSeed}..), method ${method ?? 'mse (default)'}`);
console.log(fmt('all int8', await run(int8With(gq, ranges, () => false))));
const floor = await run(int8With(gq, ranges, (op, i) => !isInputQuantize(op, i)));
console.log(fmt('input rounding (floor)', floor));
console.log(fmt('every operator float (bias-corrected)', await run(int8With(gq, ranges, () => true))));
const types = [...new Set(gq.operators.filter((op) => INT8_RULES[op.op]).map((op) => op.op))].sort();
for (const t of types) console.log(fmt(`only ${t} int8`, await run(int8With(gq, ranges, (op) => op.op !== t))));
if (gq.operators.some(sePath)) {
  console.log(fmt('SE path (1x1 tensors) float', await run(int8With(gq, ranges, sePath))));
  console.log(fmt('only the SE path int8', await run(int8With(gq, ranges, (op) => !sePath(op)))));
}
{
  // the float graph with each filter on its int8 grid (not bias-corrected)
  const { g: gw } = floatGraph();
  for (const op of gw.operators) {
    const rule = INT8_RULES[op.op];
    const w = rule?.kind === 'weighted' ? gw.tensors[op.inputs[1]] : undefined;
    if (!w?.data || w.type !== 'FLOAT32') continue;
    const values = new Float32Array(w.data.slice().buffer);
    const q = symmetricInt8(values, w.shape, rule.weightAxis);
    const channels = rule.weightAxis === undefined ? 1 : w.shape[rule.weightAxis];
    const inner = rule.weightAxis === undefined ? values.length : w.shape.slice(rule.weightAxis + 1).reduce((a, d) => a * d, 1);
    const out = Float32Array.from(q.values, (v, i) => v * q.scale[channels === 1 ? 0 : Math.floor(i / inner) % channels]);
    w.data = new Uint8Array(out.buffer);
  }
  console.log(fmt('weights only (float activations)', await run(gw)));
}
if (nOracle > 0) {
  const s = score();
  for (let i = 0; i < Math.min(nOracle, nSamples); i++) {
    const own = await calibrated([sampleSeed + i]);
    await run(int8With(own.gq, own.ranges, () => false), [i], s);
  }
  console.log(fmt(`own-sample ranges (first ${s.n})`, s));
  const same = await run(int8With(gq, ranges, () => false), Array.from({ length: s.n }, (_, i) => i));
  console.log(fmt(`  all int8 on the same ${s.n}`, same));
}
if (args.includes('--sensitivity')) {
  // the input grid's step, as the int8 model's input QUANTIZE has it
  const { graph: q0 } = quantizeInt8(gq, ranges, {});
  const step = q0.tensors.find((t) => t.type === 'INT8' && t.quantization)?.quantization.scale[0];
  let seed = 1;
  const uniform = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  const f = await openTflite(writeVersionedTflite(g));
  for (const [label, perturb] of [
    [`white noise of step ${step.toPrecision(3)}`, (v) => v + uniform() * step],
    ['DC offset step/8', (v) => v + step / 8],
    ['gain error 1 + step/8', (v) => v * (1 + step / 8)],
  ]) {
    const s = score();
    let inSig = 0; let inNoise = 0;
    for (let i = 0; i < nSamples; i++) {
      const y = xs[i].map(perturb);
      for (let k = 0; k < y.length; k++) { inSig += xs[i][k] ** 2; inNoise += (xs[i][k] - y[k]) ** 2; }
      add(s, refs[i], (await f.run([{ dims: inDims, data: y }])).outputs[0].data);
    }
    const inDb = 10 * Math.log10(inSig / inNoise);
    console.log(fmt(`float model, input ${label}`, s, `  (input SQNR ${inDb.toFixed(1)} dB: amplified ${(inDb - 10 * Math.log10(s.sig / s.noise)).toFixed(1)} dB)`));
  }
  f.close();
}
if (nSweep > 0) {
  const rows = [];
  for (let k = 0; k < gq.operators.length; k++) {
    const op = gq.operators[k];
    if (!INT8_RULES[op.op] || isInputQuantize(op, k)) continue;
    const s = await run(int8With(gq, ranges, (o, i) => !(isInputQuantize(o, i) || i === k)));
    rows.push({ k, op: op.op, name: name(k), addedDb: 10 * Math.log10(s.sig / Math.max(1e-30, s.noise - floor.noise)) });
  }
  rows.sort((a, b) => a.addedDb - b.addedDb);
  console.log(`## the ${nSweep} operators that alone in int8 (with the input) add the most output noise (SQNR of the added noise, dB)`);
  for (const r of rows.slice(0, nSweep)) console.log(`${String(r.k).padStart(4)} ${r.op.padEnd(18)} ${r.name.padEnd(30)} ${r.addedDb.toFixed(1)}`);
}
rmSync(work, { recursive: true, force: true });
