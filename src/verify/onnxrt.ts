/** The reference runtime: onnxruntime-node, loaded lazily (only `--verify` and tests need it). */
import type * as Ort from 'onnxruntime-node';
import { symbolicDimSize, type InputSizes } from '../onnx/input-sizes.js';
import { missingRuntime } from './runtime-errors.js';
import type { TensorArray, TensorValue } from './tensors.js';

let ortPromise: Promise<typeof Ort> | undefined;

export function loadOrt(): Promise<typeof Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => ((m as unknown as { default?: typeof Ort }).default ?? m) as typeof Ort,
    (err: unknown) => { ortPromise = undefined; throw missingRuntime('onnxruntime-node', '1.30', err); },
  );
  return ortPromise;
}

export interface OnnxInputSpec {
  name: string;
  /** element type as onnxruntime names it: 'float32', 'int64', ... */
  type: string;
  /** dims with symbolic or unknown ones given as strings/-1 */
  dims: (number | string)[];
}

const ORT_TYPE: Record<string, string> = {
  Float32Array: 'float32', Float64Array: 'float64', Int32Array: 'int32', BigInt64Array: 'int64', Uint8Array: 'uint8',
};

export interface OnnxRun {
  inputs: OnnxInputSpec[];
  outputs: TensorValue[];
}

type Feeds = Record<string, { dims: readonly number[]; data: TensorArray; type?: string }>;

/** An onnxruntime session kept open for many runs. */
export interface OpenOnnx {
  inputs: OnnxInputSpec[];
  run(feeds: Feeds | ((inputs: OnnxInputSpec[]) => Feeds)): Promise<OnnxRun>;
  close(): Promise<void>;
}

/**
 * onnxruntime's graph optimisations: 'all' (the default session) or 'disabled', which runs every node
 * as written: a QDQ model's QuantizeLinear / DequantizeLinear and float ops, not the integer kernels
 * onnxruntime fuses them into (see verify/qdq.ts for why that matters).
 */
export type OrtOptimization = 'all' | 'disabled';

/** Opens an ONNX model (external data resolved by onnxruntime relative to the model's folder). */
export async function openOnnx(path: string, opts: { optimization?: OrtOptimization } = {}): Promise<OpenOnnx> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], graphOptimizationLevel: opts.optimization ?? 'all' });
  const inputs: OnnxInputSpec[] = session.inputMetadata.map((m) => ({
    name: m.name,
    type: m.isTensor ? String(m.type) : 'non-tensor',
    dims: m.isTensor ? [...m.shape] : [],
  }));
  return {
    inputs,
    close: () => session.release(),
    async run(feeds) {
      const given = typeof feeds === 'function' ? feeds(inputs) : feeds;
      const ortFeeds: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(given)) {
        const type = t.type ?? ORT_TYPE[t.data.constructor.name] ?? 'float32';
        ortFeeds[name] = new ort.Tensor(type as 'float32', t.data as Float32Array, [...t.dims]);
      }
      const result = await session.run(ortFeeds);
      const outputs = session.outputNames.map((name) => {
        const v = result[name] as Ort.Tensor;
        return { name, dims: [...v.dims], data: v.data as TensorArray };
      });
      return { inputs, outputs };
    },
  };
}

/**
 * Runs an ONNX model once on `feeds` (by input name); `feeds` may be a function that gets the input
 * specs and returns them. Outputs come in the model's output order.
 */
export async function runOnnx(path: string, feeds: Feeds | ((inputs: OnnxInputSpec[]) => Feeds)): Promise<OnnxRun> {
  const session = await openOnnx(path);
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

/** Concrete dims for an input, sized by the rule the conversion used (onnx/input-sizes.ts); else 1. */
export function concreteDims(dims: readonly (number | string)[], sizes: InputSizes = {}): number[] {
  return dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : symbolicDimSize(d, i, sizes)?.size ?? 1));
}
