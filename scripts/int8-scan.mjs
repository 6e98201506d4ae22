#!/usr/bin/env node
// Where does --quantize int8 lose the signal? Per-tensor error scan of one ONNX model: the float .tflite
// our converter writes and the int8 .tflite it writes from the same graph (calibrated as `convert
// --quantize int8` calibrates: seeded standard-normal samples, seeds 10000+k as scripts/int8-zoo.mjs uses),
// both run in LiteRT.js on seeded inputs (seeds 20000.., see --sample-seed) with every tensor made an output. Per float
// operator, in graph (topological) order:
//   global = SQNR of the int8 model's tensor (dequantized) against the float model's, i.e. all error so far;
//   local  = the operator's own error: its int8 output against the float operator run on the very
//            (dequantized) int8 inputs it got (a second model of every operator cut loose from the others);
//   grid   = the float tensor rounded to the int8 tensor's scale / zero point (the range choice alone);
//   clip   = share of the float tensor's values outside that int8 grid's range.
// Float-kept operators show local = inf (a check on the harness itself), as do int8 ones that move values
// without changing them (reshapes, gathers) or whose result is exact on the grid. Needs `npm run build` first.
// usage:
//   node scripts/int8-scan.mjs (--zoo vit_b_16 | --onnx FILE) [--calibration 8] [--samples 2] [--method mse|minmax]
//     [--worst 25] [--all] [--json OUT.json] [--chunk 60] [--dump REGEX --dump-dir DIR] [--no-float-by-place] [--sample-seed N] [--dist DIR]
// prints the worst --worst operators by local SQNR, then the global SQNR trace (every operator with --all,
// else each operator after which the trace falls by 3 dB or more, and every 20th). --dump writes tensors
// for a closer look in numpy, e.g. one row's SQNR (vit_b_16's class token: row 0 of the residual stream).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { converterModules, floatGraph as floatGraphOf, scriptArgs, writeCalibration } from './int8-common.mjs';

// --dist DIR: another build of the project instead of dist/
const { args, opt, dist, onnxPath } = scriptArgs('int8-scan.mjs');
const nCal = Number(opt('--calibration', '8'));
const nSamples = Number(opt('--samples', '2'));
// --sample-seed N: the scanned inputs are seeds N, N+1, ... (default 20000: inputs that are neither int8-zoo.mjs's
// calibration samples (10000+k) nor its held-out ones (0..), so looking for error sources never tunes a fix to
// the inputs that judge it; --sample-seed 0 scans the first held-out inputs, to explain a table row)
const sampleSeed = Number(opt('--sample-seed', '20000'));
const method = opt('--method', undefined);
const nWorst = Number(opt('--worst', '25'));
// --dump REGEX --dump-dir DIR: writes NAME.sK.float.npy / NAME.sK.int8.npy of every tensor whose name matches
const dumpRe = opt('--dump', undefined) ? new RegExp(opt('--dump', undefined)) : undefined;
const dumpDir = opt('--dump-dir', '.');

const m = await converterModules(dist);
const { calibrateInt8, quantizeInt8, writeVersionedTflite, openTflite, seededInputs, encodeNpyFloat32 } = m;
const { withOutputs } = await import(join(dist, 'convert', 'quantize', 'ranges.js'));
const { TfliteGraph } = await import(join(dist, 'convert', 'tflite', 'model.js'));

const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** the float graph, as convert writes it before any quantization pass */
const floatGraph = () => floatGraphOf(m, onnxPath);

log(`converting ${onnxPath}`);
const { g, onnxDims } = floatGraph();
// a second copy is calibrated (bias correction changes its biases) and quantized
const { g: gq } = floatGraph();
const inDims = g.tensors[g.inputs[0]].shape;
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-scan-'));
const calPath = join(work, 'cal.npy');
writeCalibration(m, calPath, [...onnxDims.values()][0], Array.from({ length: nCal }, (_, k) => 10_000 + k));
log(`calibrating on ${nCal} samples`);
const cal = await calibrateInt8(gq, onnxDims, calPath, method ? { method } : {});
rmSync(work, { recursive: true, force: true });
// --no-float-by-place: every operator with an int8 rule in int8 (the model before row-norm.ts's float keeps)
const { graph: q } = quantizeInt8(gq, cal.ranges, { floatByPlace: !args.includes('--no-float-by-place') });

const isAct = (G, t) => t >= 0 && !G.tensors[t].data;
const qByName = new Map(q.tensors.map((t, i) => [t.name, i]));
const qProducer = new Map();
q.operators.forEach((op, i) => { for (const t of op.outputs) qProducer.set(t, i); });

/**
 * every tensor an operator writes, as outputs of a copy of G; LiteRT.js returns no int8 outputs, so an
 * int8 tensor is read through a DEQUANTIZE of its own (exact: (q - zero point) x scale)
 */
function allOutputs(G) {
  const outs = [...new Set(G.operators.flatMap((op) => op.outputs))].filter((t) => ['FLOAT32', 'INT8'].includes(G.tensors[t].type)).sort((a, b) => a - b);
  const c = withOutputs(G, []);
  const read = outs.map((t) => {
    if (G.tensors[t].type !== 'INT8') return t;
    const f = c.addTensor(`${G.tensors[t].name}__scan_float`, G.tensors[t].shape);
    c.addOp('DEQUANTIZE', [t], [f]);
    return f;
  });
  c.outputs = read;
  c.signatureOutputs = read.map((t) => ({ name: c.tensors[t].name, tensor: t }));
  return { bytes: writeVersionedTflite(c), outs };
}

/**
 * float operators `from` .. `to` - 1 of g, each cut loose: its activation inputs become graph inputs of
 * their own, fed with the values the int8 model gave them (models of a slice of the graph at a time:
 * one of all 500+ operators of a ViT runs out of LiteRT.js's wasm memory)
 */
function localGraph(from, to) {
  const L = new TfliteGraph();
  const copied = new Map();
  const constant = (t) => {
    if (t < 0) return t;
    let n = copied.get(t);
    if (n === undefined) {
      L.tensors.push({ ...g.tensors[t], name: `g:${g.tensors[t].name}` });
      copied.set(t, (n = L.tensors.length - 1));
    }
    return n;
  };
  const feeds = []; // [L input tensor, q tensor that feeds it]
  const checks = []; // [float op index, L output tensor, q tensor]
  for (let i = from; i < to; i++) {
    const op = g.operators[i];
    const qt = qByName.get(g.tensors[op.outputs[0]].name);
    const qi = qt === undefined ? undefined : qProducer.get(qt);
    if (qi === undefined) continue;
    const qop = q.operators[qi];
    if (qop.inputs.length !== op.inputs.length) continue;
    const inputs = op.inputs.map((t, j) => {
      if (!isAct(g, t)) return constant(t);
      const n = L.addTensor(`in${i}_${j}`, g.tensors[t].shape, g.tensors[t].type);
      feeds.push([n, qop.inputs[j]]);
      return n;
    });
    const outputs = op.outputs.map((t, k) => {
      const n = L.addTensor(`out${i}_${k}`, g.tensors[t].shape, g.tensors[t].type);
      if (g.tensors[t].type === 'FLOAT32') checks.push([i, n, qop.outputs[k]]);
      return n;
    });
    L.operators.push({ ...op, inputs, outputs });
  }
  L.inputs = feeds.map(([n]) => n);
  L.outputs = checks.map(([, n]) => n);
  L.signatureInputs = L.inputs.map((t) => ({ name: L.tensors[t].name, tensor: t }));
  L.signatureOutputs = L.outputs.map((t) => ({ name: L.tensors[t].name, tensor: t }));
  return { bytes: writeVersionedTflite(L), feeds, checks, L };
}

const acc = () => ({ sig: 0, noise: 0 });
const add = (a, ref, got) => { for (let i = 0; i < ref.length; i++) { a.sig += ref[i] ** 2; a.noise += (ref[i] - got[i]) ** 2; } };
const db = (a) => (a.noise === 0 ? Infinity : 10 * Math.log10(a.sig / a.noise));
const stats = g.operators.map(() => ({ global: acc(), local: acc(), grid: acc(), clipped: 0, count: 0 }));

log('compiling the float and int8 models');
const fAll = allOutputs(g);
const qAll = allOutputs(q);
const gProducer = new Map();
g.operators.forEach((op, i) => gProducer.set(op.outputs[0], i));
const qVals = [];
{
  const fSess = await openTflite(fAll.bytes);
  const qSess = await openTflite(qAll.bytes);
  try {
    for (let s = 0; s < nSamples; s++) {
      const x = seededInputs([inDims], sampleSeed + s)[0];
      const fr = await fSess.run([{ dims: inDims, data: x }]);
      const qr = await qSess.run([{ dims: inDims, data: x }]);
      if (fr.errors.length || qr.errors.length) throw new Error(`LiteRT: ${[...fr.errors, ...qr.errors].join('; ')}`);
      const fVal = new Map(fAll.outs.map((t, k) => [t, fr.outputs[k].data]));
      const qVal = new Map(qAll.outs.map((t, k) => [t, qr.outputs[k].data]));
      qVal.set(q.inputs[0], x);
      qVals.push(qVal);
      if (dumpRe) {
        // float and int8 (dequantized) values of the matching tensors, for a closer look (numpy.load)
        for (const [t, data] of fVal) {
          const qt = qByName.get(g.tensors[t].name);
          if (!dumpRe.test(g.tensors[t].name) || qt === undefined || !qVal.has(qt)) continue;
          const file = g.tensors[t].name.replace(/[^\w.-]/g, '_');
          writeFileSync(join(dumpDir, `${file}.s${s}.float.npy`), encodeNpyFloat32(Float32Array.from(data), g.tensors[t].shape));
          writeFileSync(join(dumpDir, `${file}.s${s}.int8.npy`), encodeNpyFloat32(Float32Array.from(qVal.get(qt)), g.tensors[t].shape));
        }
      }
      for (const [t, data] of fVal) {
        const i = gProducer.get(t);
        if (i === undefined) continue;
        const qt = qByName.get(g.tensors[t].name);
        if (qt === undefined || !qVal.has(qt)) continue;
        const st = stats[i];
        add(st.global, data, qVal.get(qt));
        const p = q.tensors[qt].quantization;
        if (q.tensors[qt].type === 'INT8' && p) {
          const sc = p.scale[0]; const z = p.zeroPoint[0];
          const lo = (-128 - z) * sc; const hi = (127 - z) * sc;
          const r = new Float32Array(data.length);
          for (let k = 0; k < data.length; k++) {
            const v = data[k];
            if (v < lo - sc / 2 || v > hi + sc / 2) st.clipped++;
            r[k] = (Math.min(127, Math.max(-128, Math.round(v / sc) + z)) - z) * sc;
          }
          add(st.grid, data, r);
        }
        st.count += data.length;
      }
      log(`sample ${s + 1} of ${nSamples}: float and int8 runs`);
    }
  } finally { fSess.close(); qSess.close(); }
}
const CHUNK = Number(opt('--chunk', '60'));
for (let from = 0; from < g.operators.length; from += CHUNK) {
  const local = localGraph(from, Math.min(g.operators.length, from + CHUNK));
  if (!local.checks.length) continue;
  const lSess = await openTflite(local.bytes);
  try {
    for (const qVal of qVals) {
      const lr = await lSess.run(local.feeds.map(([n, qt]) => {
        if (!qVal.has(qt)) throw new Error(`no value for '${q.tensors[qt].name}'`);
        return { dims: local.L.tensors[n].shape, data: qVal.get(qt) };
      }));
      if (lr.errors.length) throw new Error(`LiteRT (per-operator model): ${lr.errors.join('; ')}`);
      local.checks.forEach(([i, , qt], k) => add(stats[i].local, lr.outputs[k].data, qVal.get(qt)));
    }
  } finally { lSess.close(); }
}
log('per-operator runs done');

const rows = g.operators.map((op, i) => {
  const st = stats[i];
  const qt = qByName.get(g.tensors[op.outputs[0]].name);
  const p = qt === undefined ? undefined : q.tensors[qt].quantization;
  return {
    index: i, op: op.op, tensor: g.tensors[op.outputs[0]].name, int8: qt !== undefined && q.tensors[qt].type === 'INT8',
    globalDb: db(st.global), localDb: db(st.local), gridDb: db(st.grid), clip: st.count ? st.clipped / st.count : 0,
    rms: Math.sqrt(st.global.sig / Math.max(1, st.count)), scale: p?.scale?.[0], zeroPoint: p?.zeroPoint?.[0],
  };
});
const f = (x) => (x === Infinity ? '   inf' : x.toFixed(1).padStart(6));
const line = (r) => `${String(r.index).padStart(4)} ${r.op.padEnd(16)} ${(r.int8 ? 'int8' : 'f32 ').padEnd(5)} global ${f(r.globalDb)}  local ${f(r.localDb)}  grid ${f(r.gridDb)}  clip ${(100 * r.clip).toFixed(2).padStart(5)}%  rms ${r.rms.toPrecision(3).padStart(8)}  scale ${r.scale === undefined ? '-' : r.scale.toPrecision(3)} zp ${r.zeroPoint ?? '-'}  ${r.tensor}`;
console.log(`# ${onnxPath}: ${nCal} calibration samples, ${nSamples} scanned (seeds ${sampleSeed}..${sampleSeed + nSamples - 1}), method ${method ?? 'mse (default)'}${args.includes('--no-float-by-place') ? ', without float-by-place' : ''}`);
console.log(`\n## worst ${nWorst} operators by local SQNR (dB)`);
for (const r of [...rows].filter((r) => Number.isFinite(r.localDb)).sort((a, b) => a.localDb - b.localDb).slice(0, nWorst)) console.log(line(r));
console.log('\n## global SQNR in graph order');
let prev = Infinity;
for (const r of rows) {
  const drop = Number.isFinite(prev) && prev - r.globalDb >= 3 && Number.isFinite(r.globalDb);
  if (args.includes('--all') || drop || r.index % 20 === 0 || r.index === rows.length - 1) console.log(`${line(r)}${drop ? '   <- drop' : ''}`);
  if (Number.isFinite(r.globalDb)) prev = r.globalDb;
}
const json = opt('--json', undefined);
if (json) writeFileSync(json, JSON.stringify({ onnx: onnxPath, calibration: nCal, samples: nSamples, rows }, null, 1));
