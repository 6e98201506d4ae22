#!/usr/bin/env node
// --quantize int8 on torchvision zoo files (node scripts/models.mjs zoo-path) and FBNet-A/B: per model,
// 200 seeded standard-normal calibration inputs (the zoo's BatchNorm statistics were re-estimated on
// such inputs, so activations have a sane scale), then HELD_OUT other inputs through the int8 .tflite in
// LiteRT.js against the float ONNX model in onnxruntime: top-1 agreement, SQNR, which ops stayed float,
// size against the float .tflite. With --python, the Python tier (ai_edge_litert, XNNPACK) too.
// Needs `npm run build` first (imports dist/). usage:
//   node scripts/int8-zoo.mjs [--only resnet18,mobilenet_v2] [--calibration 200] [--held-out 100] [--python] [--json]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModels, ensureZoo } from './models.mjs';
import { ensureVenv } from './venvs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..', 'dist');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const only = opt('--only', 'fbnet_a,resnet18,mobilenet_v2,mobilenet_v3_small,efficientnet_b0,googlenet,densenet121').split(',');
const nCal = Number(opt('--calibration', '200'));
const nHeld = Number(opt('--held-out', '100'));
const withPython = args.includes('--python');

const { convertFile } = await import(join(dist, 'convert', 'index.js'));
const { openTflite } = await import(join(dist, 'verify', 'litert.js'));
const { runOnnx } = await import(join(dist, 'verify', 'onnxrt.js'));
const { seededInputs } = await import(join(dist, 'verify', 'prng.js'));
const { encodeNpyFloat32 } = await import(join(dist, 'verify', 'npy.js'));

const work = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-zoo-'));
function npy(name, dims, n, seed0) {
  const xs = Array.from({ length: n }, (_, k) => seededInputs([dims], seed0 + k)[0]);
  const all = new Float32Array(n * xs[0].length);
  xs.forEach((x, k) => all.set(x, k * x.length));
  const path = join(work, name);
  writeFileSync(path, encodeNpyFloat32(all, [n, ...dims.slice(1)]));
  return { path, xs };
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
    for (const n of zooNames) out.push({ name: `${n}.dynamo`, onnx: join(dir, `${n}.dynamo.onnx`) });
  }
  return out;
}

const rows = [];
for (const m of modelList()) {
  const row = { model: m.name };
  try {
    const floatRun = await convertFile(m.onnx, {});
    const dims = floatRun.summary.inputs[0].shape;
    const inputName = floatRun.summary.inputs[0].name;
    const cal = npy(`${m.name}.cal.npy`, dims, nCal, 10_000);
    const held = npy(`${m.name}.held.npy`, dims, nHeld, 0);
    const t0 = Date.now();
    const { tflite, summary } = await convertFile(m.onnx, { quantize: { mode: 'int8', calibration: cal.path } });
    row.quantizeSeconds = (Date.now() - t0) / 1000;
    const path = join(work, `${m.name}.int8.tflite`);
    writeFileSync(path, tflite);
    row.floatOps = summary.quantization.ops.filter((o) => o.status === 'float').map((o) => `${o.op}: ${o.detail}`);
    row.sizeRatio = +(tflite.length / floatRun.tflite.length).toFixed(3);
    const s = await openTflite(tflite);
    let agree = 0; let sig = 0; let noise = 0;
    try {
      for (const x of held.xs) {
        const ref = (await runOnnx(m.onnx, { [inputName]: { dims, data: x } })).outputs[0].data;
        const out = (await s.run([{ dims, data: x }])).outputs[0].data;
        if (argmax(ref) === argmax(out)) agree++;
        for (let i = 0; i < ref.length; i++) { sig += ref[i] ** 2; noise += (ref[i] - out[i]) ** 2; }
      }
    } finally { s.close(); }
    row.node = { agreement: agree / nHeld, sqnrDb: +(10 * Math.log10(sig / noise)).toFixed(2) };
    if (withPython) {
      const py = ensureVenv('tools').python;
      const r = JSON.parse(execFileSync(py, [join(here, 'models', 'run_quantized.py'), '--onnx', m.onnx, '--tflite', path, '--samples', held.path, '--resolvers', 'auto'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 1_800_000 }).trim().split('\n').at(-1));
      row.python = { agreement: r.resolvers.auto.agreement, sqnrDb: +r.resolvers.auto.sqnr_db.toFixed(2) };
    }
  } catch (err) {
    row.error = String(err?.message ?? err).split('\n')[0];
  }
  rows.push(row);
  if (!args.includes('--json')) {
    console.log(`${row.model}: ${row.error ? `ERROR ${row.error}` : `agreement ${row.node.agreement} SQNR ${row.node.sqnrDb} dB (LiteRT.js)` +
      (row.python ? `, agreement ${row.python.agreement} SQNR ${row.python.sqnrDb} dB (ai_edge_litert)` : '') +
      `, size x${row.sizeRatio}, ${row.quantizeSeconds.toFixed(0)} s, float ops: ${row.floatOps.length ? row.floatOps.join('; ') : 'none'}`}`);
  }
}
if (args.includes('--json')) console.log(JSON.stringify({ calibration: nCal, heldOut: nHeld, rows }, null, 2));
