/**
 * The two runtimes opened once on an ONNX / .tflite pair and fed the same seeded inputs: the reference
 * (onnxruntime-node) and the candidate (LiteRT.js), outputs paired by name (else position) and moved
 * back to the ONNX layout. `convert --verify` and the quantized verification both run through it.
 */
import { createRequire } from 'node:module';
import { UserError } from '../util/errors.js';
import { openTflite, type OpenTflite, type TfliteDetails } from './litert.js';
import type { InputSizes } from '../onnx/input-sizes.js';
import { concreteDims, openOnnx, type OnnxInputSpec, type OrtOptimization } from './onnxrt.js';
import { intInputFeeds, placeSpecials } from './int-inputs.js';
import { seededInputs, seededInts } from './prng.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, permute4, sameDims, type TensorValue } from './tensors.js';

export function runtimeNames(): string {
  return `LiteRT.js ${packageVersion('@litertjs/core')} (wasm) vs onnxruntime-node ${packageVersion('onnxruntime-node')}`;
}

function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

const FED_TYPES = ['float32', 'int32', 'int64'];

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

/** The two runtimes opened once on a model pair; `run(seed)` feeds both the same seeded inputs. */
export interface PairRunner {
  /** reference and candidate outputs, the candidate's in the ONNX layout and order; problems appended */
  run(seed: number, problems: string[]): Promise<{ ref: TensorValue[]; cand: TensorValue[] } | undefined>;
  close(): Promise<void>;
  /** "LiteRT.js x (wasm) vs onnxruntime-node y" */
  runtime: string;
}

export async function openPair(onnxPath: string, tflite: Uint8Array, nhwc: boolean | undefined,
  opts: { ortOptimization?: OrtOptimization } & InputSizes = {}): Promise<PairRunner> {
  const onnx = await openOnnx(onnxPath, opts.ortOptimization ? { optimization: opts.ortOptimization } : {});
  let tfl: OpenTflite;
  try {
    tfl = await openTflite(tflite);
  } catch (err) {
    await onnx.close();
    throw err;
  }
  let intFeeds: ReturnType<typeof intInputFeeds> | undefined;
  return {
    runtime: runtimeNames(),
    close: async () => { tfl.close(); await onnx.close(); },
    async run(seed, problems) {
      let fed: TensorValue[] = [];
      const makeFeeds = (specs: OnnxInputSpec[]) => {
        const dims = specs.map((s) => concreteDims(s.dims, opts));
        const bad = specs.find((s) => !FED_TYPES.includes(s.type));
        if (bad) throw new UserError(`verify: input '${bad.name}' is ${bad.type}; verification feeds float32, int32 and int64 inputs only`);
        // float inputs draw from the stream they always did; integer ones from their own (int-inputs.ts ranges)
        const floatAt = specs.flatMap((s, i) => (s.type === 'float32' ? [i] : []));
        const intAt = specs.flatMap((s, i) => (s.type === 'float32' ? [] : [i]));
        intFeeds ??= intAt.length ? intInputFeeds(onnxPath, intAt.map((i) => specs[i]!.name)) : { bounds: new Map(), specials: new Map() };
        const { bounds, specials } = intFeeds;
        const data: (Float32Array | Int32Array)[] = [];
        seededInputs(floatAt.map((i) => dims[i]!), seed).forEach((d, k) => { data[floatAt[k]!] = d; });
        seededInts(intAt.map((i) => dims[i]!), intAt.map((i) => bounds.get(specs[i]!.name)!), seed).forEach((d, k) => {
          const s = specs[intAt[k]!]!;
          // ids compared with a constant (a padding id) get it where a tokenizer pads, if it is a valid id
          placeSpecials(d, dims[intAt[k]!]!, (specials.get(s.name) ?? []).filter((v) => v >= 0 && v < bounds.get(s.name)!));
          data[intAt[k]!] = d;
        });
        fed = specs.map((s, i) => ({ name: s.name, dims: dims[i]!, data: data[i]! }));
        // the .tflite takes int32 (convert's int64 inputs are int32 there); onnxruntime gets the model's own type
        return Object.fromEntries(fed.map((t, i) => [t.name, specs[i]!.type === 'int64'
          ? { dims: t.dims, data: BigInt64Array.from(t.data as Int32Array, (v) => BigInt(v)), type: 'int64' }
          : t]));
      };
      const ref = await onnx.run(makeFeeds);
      let tflIn: TfliteDetails[] = [];
      const cand = await tfl.run((details) => {
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
        return undefined;
      }
      const pairs = pairByName(ref.outputs, cand.outputs);
      const out: TensorValue[] = [];
      for (const [i, r] of ref.outputs.entries()) {
        let c = pairs[i]!;
        if (wantsNhwc(r.dims, c.dims, nhwc)) c = { ...c, ...permute4(c.data, c.dims, NHWC_TO_NCHW) };
        if (!sameDims(r.dims, c.dims)) {
          problems.push(`output '${r.name}': .tflite shape [${c.dims.join(',')}] vs ONNX [${r.dims.join(',')}]`);
          return undefined;
        }
        out.push(c);
      }
      return { ref: ref.outputs, cand: out };
    },
  };
}

