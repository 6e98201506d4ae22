/**
 * `convert --verify`: runs the ONNX model (onnxruntime-node, the reference) and the .tflite (the
 * official LiteRT interpreter via LiteRT.js) on the same seeded random inputs and compares every
 * output number. Passing means max abs error <= 1e-4 x max(1, max|reference output|) and no
 * error reported by LiteRT.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { UserError } from '../util/errors.js';
import { compareArrays, verifyTolerance, type Comparison } from './compare.js';
import { runTflite, type TfliteDetails } from './litert.js';
import { concreteDims, runOnnx, type OnnxInputSpec } from './onnxrt.js';
import { seededInputs } from './prng.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, permute4, sameDims, type TensorValue } from './tensors.js';

export { compareArrays, compareOutputs, verifyTolerance } from './compare.js';
export { captureStderr, loadLiteRtNode, runTflite, tfliteInputs } from './litert.js';
export { concreteDims, loadOrt, runOnnx } from './onnxrt.js';
export { mulberry32, seededInputs } from './prng.js';
export { decodeNpy, encodeNpyFloat32 } from './npy.js';

export interface VerifyOptions {
  /** first seed of the random inputs (default 0); run k uses seed + k */
  seed?: number;
  /** how many random input sets (default 2) */
  runs?: number;
  /** the .tflite's own rank-4 I/O is NHWC (convert --nhwc); detected from its shapes when omitted */
  nhwc?: boolean;
}

export interface VerifyResult extends Comparison {
  tolerance: number;
  pass: boolean;
  /** "LiteRT.js x vs onnxruntime-node y" */
  runtime: string;
  /** why it failed besides the numbers: LiteRT errors, shape or count mismatches */
  problems: string[];
  runs: number;
}

function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Which ONNX input feeds which .tflite input: by signature name when all names match, else by position. */
function pairByName<T extends { name: string }>(onnx: readonly { name: string }[], tfl: readonly T[]): (T | undefined)[] {
  const byName = new Map(tfl.map((t) => [t.name, t]));
  return onnx.every((o) => byName.has(o.name)) ? onnx.map((o) => byName.get(o.name)) : onnx.map((_, i) => tfl[i]);
}

function wantsNhwc(onnxDims: readonly number[], tflDims: readonly number[], nhwc: boolean | undefined): boolean {
  if (onnxDims.length !== 4) return false;
  if (nhwc !== undefined) return nhwc;
  const asNhwc = NCHW_TO_NHWC.map((p) => onnxDims[p]!);
  return !sameDims(onnxDims, tflDims) && sameDims(asNhwc, tflDims);
}

async function verifyOnce(onnxPath: string, tflite: Uint8Array, seed: number, nhwc: boolean | undefined, problems: string[]): Promise<Comparison> {
  let fed: TensorValue[] = [];
  const makeFeeds = (specs: OnnxInputSpec[]) => {
    const dims = specs.map((s) => concreteDims(s.dims));
    const bad = specs.find((s) => s.type !== 'float32');
    if (bad) throw new UserError(`verify: input '${bad.name}' is ${bad.type}; verification feeds float32 inputs only`);
    const data = seededInputs(dims, seed);
    fed = specs.map((s, i) => ({ name: s.name, dims: dims[i]!, data: data[i]! }));
    return Object.fromEntries(fed.map((t) => [t.name, t]));
  };
  const ref = await runOnnx(onnxPath, makeFeeds);
  let tflIn: TfliteDetails[] = [];
  const cand = await runTflite(tflite, (details) => {
    tflIn = details;
    if (details.length !== fed.length) throw new Error(`the .tflite has ${details.length} inputs, the ONNX model ${fed.length}`);
    const pairs = pairByName(fed, details);
    const ordered = details.map((d) => fed[pairs.indexOf(d)] ?? fed[details.indexOf(d)]!);
    return ordered.map((t, i) => (wantsNhwc(t.dims, details[i]!.dims, nhwc) ? permute4(t.data, t.dims, NCHW_TO_NHWC) : t));
  });
  problems.push(...cand.errors.map((e) => `LiteRT: ${e}`));
  if (tflIn.length === 0 && fed.length > 0) problems.push('the .tflite reported no inputs');
  if (cand.outputs.length !== ref.outputs.length) {
    problems.push(`the .tflite has ${cand.outputs.length} outputs, the ONNX model ${ref.outputs.length}`);
    return { maxAbs: Infinity, maxRel: Infinity, maxRef: 0 };
  }
  let acc: Comparison = { maxAbs: 0, maxRel: 0, maxRef: 0 };
  const pairs = pairByName(ref.outputs, cand.outputs);
  ref.outputs.forEach((r, i) => {
    let c = pairs[i]!;
    if (wantsNhwc(r.dims, c.dims, nhwc)) c = { ...c, ...permute4(c.data, c.dims, NHWC_TO_NCHW) };
    if (!sameDims(r.dims, c.dims)) {
      problems.push(`output '${r.name}': .tflite shape [${c.dims.join(',')}] vs ONNX [${r.dims.join(',')}]`);
      acc = { ...acc, maxAbs: Infinity, maxRel: Infinity };
      return;
    }
    acc = compareArrays(r.data as ArrayLike<number>, c.data as ArrayLike<number>, acc);
  });
  return acc;
}

export async function verifyConversion(onnxPath: string, tflitePath: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const seed = opts.seed ?? 0;
  const runs = Math.max(1, opts.runs ?? 2);
  const tflite = new Uint8Array(await readFile(tflitePath));
  const problems: string[] = [];
  let maxAbs = 0;
  let maxRef = 0;
  for (let k = 0; k < runs; k++) {
    try {
      const c = await verifyOnce(onnxPath, tflite, seed + k, opts.nhwc, problems);
      if (!(c.maxAbs <= maxAbs)) maxAbs = c.maxAbs;
      maxRef = Math.max(maxRef, c.maxRef);
    } catch (err) {
      if (err instanceof UserError && /needs|verification feeds/.test(err.message)) throw err;
      problems.push(err instanceof Error ? err.message : String(err));
      maxAbs = Infinity;
      break;
    }
  }
  const tolerance = verifyTolerance(maxRef);
  return {
    maxAbs,
    maxRel: maxAbs / Math.max(maxRef, 1e-12),
    maxRef,
    tolerance,
    pass: problems.length === 0 && maxAbs <= tolerance,
    runtime: `LiteRT.js ${packageVersion('@litertjs/core')} (wasm) vs onnxruntime-node ${packageVersion('onnxruntime-node')}`,
    problems,
    runs,
  };
}
