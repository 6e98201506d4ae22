// The start both int8 diagnosis scripts share (int8-scan.mjs, int8-budget.mjs): their flags, the ONNX model
// they look at, the built converter's modules (dist/, or --dist DIR), the float graph convert writes before
// quantizing, and a calibration .npy of seeded standard-normal samples (seeds as int8-zoo.mjs uses them).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureZoo } from './models.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Flags: `opt(name, default)`, the raw list, the build to load and the model (--zoo NAME | --onnx FILE). */
export function scriptArgs(script) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
  const dist = resolve(opt('--dist', resolve(here, '..', 'dist')));
  const zooName = opt('--zoo', undefined);
  const onnxPath = opt('--onnx', undefined) ?? (zooName ? join(ensureZoo().dir, `${zooName}.dynamo.onnx`) : undefined);
  if (!onnxPath) { console.error(`usage: node scripts/${script} (--zoo NAME | --onnx FILE) [--calibration N] [--samples K]`); process.exit(2); }
  return { args, opt, dist, onnxPath };
}

/** The converter's modules both scripts call, from the build `dist`. */
export async function converterModules(dist) {
  const load = (...p) => import(join(dist, ...p));
  const [read, convert, calibrate, int8, write, litert, prng, npy, refusal] = await Promise.all([
    load('onnx', 'read.js'), load('convert', 'convert.js'), load('convert', 'quantize', 'calibrate.js'),
    load('convert', 'quantize', 'int8.js'), load('convert', 'tflite', 'write.js'), load('verify', 'litert.js'),
    load('verify', 'prng.js'), load('verify', 'npy.js'), load('report', 'refusal.js'),
  ]);
  return {
    readOnnxFile: read.readOnnxFile, convertModel: convert.convertModel, calibrateInt8: calibrate.calibrateInt8,
    quantizeInt8: int8.quantizeInt8, writeVersionedTflite: write.writeVersionedTflite, openTflite: litert.openTflite,
    seededInputs: prng.seededInputs, encodeNpyFloat32: npy.encodeNpyFloat32, blockerText: refusal.blockerText,
  };
}

/** The float graph, as convert writes it before any quantization pass, and its ONNX input dims. */
export function floatGraph(m, onnxPath) {
  const { graph, ir, blockers } = m.convertModel(m.readOnnxFile(onnxPath), {});
  if (blockers.length) throw new Error(`${onnxPath} does not convert: ${blockers.map((b) => m.blockerText(b)).join('; ')}`);
  return { g: graph, onnxDims: new Map(ir.inputs.map((n) => [n, ir.values.get(n).shape])) };
}

/** Writes the seeded samples `seeds` of the (first) ONNX input `onnxIn` as one .npy at `path`. */
export function writeCalibration(m, path, onnxIn, seeds) {
  const size = onnxIn.reduce((a, b) => a * b, 1);
  const all = new Float32Array(seeds.length * size);
  seeds.forEach((s, k) => all.set(m.seededInputs([onnxIn], s)[0], k * size));
  writeFileSync(path, m.encodeNpyFloat32(all, [seeds.length, ...onnxIn.slice(1)]));
}
