/** Public API of the native ONNX -> TFLite converter. */
import { OnnxDataType } from '../onnx/model.js';
import { readOnnxFile } from '../onnx/read.js';
import type { ConstTensor } from '../onnx/tensor.js';
import { inputSizes, type InputSizes } from '../onnx/input-sizes.js';
import { convertModel } from './convert.js';
import { calibrateInt8, chooseKeepFloat, correctBiases, keepByName, opPlaces, quantizeGraph, type Calibrated, type FloatReason, type KeepFloatReport, type QuantizeNote, type QuantizeOptions, type QuantizeReport } from './quantize/index.js';
import { quantizeQdq } from './quantize/qdq.js';
import { UserError } from '../util/errors.js';
import { ConversionRefused } from './refusal.js';
import { assignOpVersions } from './tflite/op-version.js';
import { shareIdenticalConstants } from './tflite/share-constants.js';
import { joinParts, layoutTflite, type TfliteParts } from './tflite/write.js';

export { ConversionRefused } from './refusal.js';
export { supportedOps } from './registry.js';
export type { Blocker, ConvertNote } from './ir.js';
import type { ConvertNote } from './ir.js';
export { QUANTIZE_MODES } from './quantize/index.js';
export type { TfliteParts } from './tflite/write.js';
export type { Calibrated, FloatReason, KeepFloatReport, OpQuantization, QuantizedAs, QuantizeMode, QuantizeNote, QuantizeOptions, QuantizeReport } from './quantize/index.js';

/** Milliseconds on a monotonic clock (process.hrtime: node:perf_hooks would load ~10 ms of modules at every convert). */
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** InputSizes: what symbolic input dims become (--batch, default 1; --dim sequence=16) */
export interface ConvertOptions extends InputSizes {
  /** make the .tflite's own 4-D inputs/outputs NHWC (default: keep the ONNX NCHW signature) */
  nhwc?: boolean;
  /**
   * write each channel shuffle (Reshape-Transpose-Reshape along one axis) as one GATHER, as onnx2tf
   * does: 2 ops fewer per shuffle, but XNNPACK does not delegate GATHER, so on CPU it is slower
   * (FBNet-A: 78 ops instead of 84, ~4-7 % more latency); off by default
   */
  gatherShuffles?: boolean;
  /**
   * graph inputs to freeze as constants (name -> values, ONNX data type code, default FLOAT=1);
   * e.g. a conformance test whose weights, axes or shapes arrive as inputs. They leave the signature.
   */
  constants?: Record<string, { dims: number[]; data: ArrayLike<number>; dataType?: number }>;
  onProgress?: (msg: string) => void;
  /** post-training quantization of the converted graph (a pass after emission) */
  quantize?: QuantizeOptions;
  /**
   * a QDQ model's own inputs/outputs: float (default) or int8 where the model quantizes them at the
   * boundary, with the scale and zero point on the tensors (for --quantize int8 it is `quantize.io`)
   */
  io?: 'float' | 'int8';
}

export interface ConvertSummary {
  opsIn: number;
  opsOut: number;
  opCounts: Record<string, number>;
  tensors: number;
  bytes: number;
  ms: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** things the user should know (e.g. a symbolic batch taken as 1); worded by report/convert.ts */
  notes?: ConvertNote[];
  foldedBatchNorms?: number;
  fusedActivations?: number;
  shufflesAbsorbed?: number;
  shufflesGathered?: number;
  layout?: 'nchw-io' | 'nhwc-io';
  /** what --quantize did, per operator of the float graph (for a QDQ model: what its own params made int8) */
  quantization?: QuantizeReport;
  /** 'qdq': the model was read as a QDQ-quantized model and written as an int8 .tflite with its params */
  readAs?: 'qdq';
  /** a QDQ model's quantized outputs: scale (one quantization step) and zero point */
  qdqOutputs?: { name: string; scale: number; zeroPoint: number }[];
}

/** --keep-float auto: a quarter of the calibration samples judge the choice (the rest give the ranges), 50 at most */
function autoCheckSamples(samples: number): number {
  return Math.min(50, Math.max(1, Math.floor(samples / 4)));
}

/**
 * `calibration` (int8 only): what calibration measured; pass it back as `quantize.reuse` to quantize the
 * same model again (e.g. with another `io`) without running the calibration samples again.
 */
export async function convertFile(onnxPath: string, opts: ConvertOptions = {}): Promise<{ tflite: Uint8Array; summary: ConvertSummary; calibration?: Calibrated }> {
  const { file, ...rest } = await convertFileToParts(onnxPath, opts);
  return { tflite: joinParts(file), ...rest };
}

/**
 * convertFile, with the .tflite as the pieces it is written from (the constants not copied into one
 * buffer): for writing it out with writev.
 */
export async function convertFileToParts(onnxPath: string, opts: ConvertOptions = {}): Promise<{ file: TfliteParts; summary: ConvertSummary; calibration?: Calibrated }> {
  const t0 = nowMs();
  const progress = opts.onProgress ?? (() => {});
  const loaded = readOnnxFile(onnxPath);
  progress(`read ${onnxPath}: ${loaded.model.graph.nodes.length} nodes, ${loaded.initializers.size} initializers`);
  const constants = opts.constants
    ? new Map(Object.entries(opts.constants).map(([k, v]): [string, ConstTensor] => {
      const dtype = v.dataType ?? 1;
      const data = dtype === 1 || dtype === 10 || dtype === 16 ? Float32Array.from(v.data) : Float64Array.from(v.data, (x) => Number(x));
      return [k, { dtype, shape: [...v.dims], data }];
    }))
    : undefined;
  const { graph, ir, blockers, stats, qdq } = convertModel(loaded, {
    ...(opts.nhwc !== undefined ? { nhwc: opts.nhwc } : {}),
    ...inputSizes(opts),
    ...(opts.gatherShuffles ? { gatherShuffles: true } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(constants ? { constants } : {}),
  });
  if (blockers.length) throw new ConversionRefused(onnxPath, blockers);
  let quantization: QuantizeReport | undefined;
  if (opts.quantize && ir.qdq) {
    throw new UserError(`${onnxPath} is already quantized (QDQ: ${ir.qdq.pairs} QuantizeLinear -> DequantizeLinear pairs); --quantize ${opts.quantize.mode} applies to float models`, 'drop --quantize: the model converts to an int8 .tflite with its own scales and zero points');
  }
  if (opts.io === 'int8' && !qdq) {
    throw new UserError(`${onnxPath} is a float model: --io int8 applies to a QDQ model or with --quantize int8`, 'add --quantize int8 --calibration DATA, or convert a QDQ-quantized model');
  }
  let calibration: Calibrated | undefined;
  if (qdq) {
    quantization = quantizeQdq(graph, qdq, opts.io ?? 'float');
    const q = quantization.ops.filter((o) => o.status === 'quantized').length;
    progress(`read as QDQ: ${q} of ${quantization.ops.length} operators int8 with the model's own scales and zero points`);
  } else if (opts.quantize) {
    let quantize = opts.quantize;
    let calibrationNotes: QuantizeNote[] = [];
    let keepFloatReport: KeepFloatReport | undefined;
    if (quantize.mode === 'int8') {
      // calibration samples are float arrays (random or .npy/.npz): token ids and masks are not calibrated yet
      const intInput = ir.inputs.find((name) => ir.values.get(name)!.dtype !== OnnxDataType.FLOAT);
      if (intInput) throw new UserError(`--quantize int8: input '${intInput}' is an integer tensor; calibration feeds float32 inputs only`, 'use --quantize dynamic or float16 (no calibration), or convert without --quantize');
      const onnxDims = new Map(ir.inputs.map((name) => [name, ir.values.get(name)!.shape!]));
      const keepFloat = quantize.keepFloat;
      const auto = keepFloat && 'auto' in keepFloat;
      if (auto && quantize.reuse) throw new Error('internal: --keep-float auto measures its own calibration');
      const correct = quantize.biasCorrection !== false;
      // named operators are checked before the calibration runs: a typo fails at once
      const named = keepFloat && 'names' in keepFloat ? keepByName(graph, keepFloat.names) : undefined;
      // with --keep-float, biases are corrected once the kept operators are known (a float operator keeps its bias)
      const calibrated = await calibrateInt8(graph, onnxDims, quantize.calibration, {
        onProgress: progress, ...(quantize.method ? { method: quantize.method } : {}), ...(quantize.reuse ? { reuse: quantize.reuse } : {}),
        ...(!correct || keepFloat ? { biasCorrection: false } : {}), ...(auto ? { checkSamples: autoCheckSamples } : {}),
      });
      calibration = calibrated;
      let keep: ReadonlyMap<number, FloatReason> | undefined;
      let keepReport: KeepFloatReport | undefined;
      const places = opPlaces(graph);
      const kept = (m: ReadonlyMap<number, FloatReason>) => [...m].map(([index, why]) => ({ ...places[index]!, why }));
      if (named) {
        keep = named;
        keepReport = { mode: 'names', kept: kept(keep) };
      } else if (keepFloat && 'auto' in keepFloat) {
        if (!calibrated.check?.length) throw new UserError('--keep-float auto needs at least 2 calibration samples (some judge the choice, the rest give the ranges)');
        const choice = await chooseKeepFloat(graph, calibrated.ranges, calibrated.means, calibrated.check, { ...keepFloat.auto, biasCorrection: correct, onProgress: progress });
        keep = choice.kept;
        const { kept: _, ...measured } = choice;
        keepReport = { ...measured, kept: kept(keep) };
      }
      if (keepFloat && correct) calibrated.biasCorrected = correctBiases(graph, calibrated.means, new Set(keep?.keys()));
      quantize = { ...quantize, ranges: calibrated.ranges, ...(keep ? { keep } : {}) };
      if (keepReport) keepFloatReport = keepReport;
      calibrationNotes = [{ code: 'calibrated', samples: calibrated.samples, source: calibrated.source },
        ...(calibrated.biasCorrected ? [{ code: 'bias-corrected' as const, operators: calibrated.biasCorrected }] : []),
        ...calibrated.warnings.map((warning) => ({ code: 'calibration-warning' as const, warning }))];
    }
    quantization = quantizeGraph(graph, quantize);
    quantization.notes.unshift(...calibrationNotes, ...(keepFloatReport ? [{ code: 'keep-float' as const }] : []));
    if (keepFloatReport) quantization.keepFloat = keepFloatReport;
    const q = quantization.ops.filter((o) => o.status === 'quantized').length;
    progress(`quantized (${quantization.mode}): ${q} of ${quantization.ops.length} operators, ${quantization.weights.tensors} constants re-encoded`);
  }
  // after the last pass, whatever the mode: one tensor per distinct constant, then versions follow from the
  // final operators and tensors only
  const sharedConstants = shareIdenticalConstants(graph);
  if (sharedConstants) progress(`${sharedConstants} duplicate constants written once`);
  assignOpVersions(graph);
  const file = layoutTflite(graph);
  const opCounts: Record<string, number> = {};
  for (const op of graph.operators) opCounts[op.op] = (opCounts[op.op] ?? 0) + 1;
  const ms = nowMs() - t0;
  progress(`wrote ${file.byteLength} bytes in ${ms.toFixed(0)} ms`);
  return {
    file,
    summary: {
      opsIn: stats.nodesIn,
      opsOut: graph.operators.length,
      opCounts,
      tensors: graph.tensors.length,
      bytes: file.byteLength,
      ms,
      inputs: graph.signatureInputs.map((s) => ({ name: s.name, shape: graph.tensors[s.tensor]!.shape })),
      outputs: graph.signatureOutputs.map((s) => ({ name: s.name, shape: graph.tensors[s.tensor]!.shape })),
      notes: ir.notes,
      foldedBatchNorms: stats.foldedBatchNorms,
      fusedActivations: stats.fusedActivations,
      shufflesAbsorbed: stats.shufflesAbsorbed,
      shufflesGathered: stats.shufflesGathered,
      layout: opts.nhwc ? 'nhwc-io' : 'nchw-io',
      ...(quantization ? { quantization } : {}),
      ...(qdq ? { readAs: 'qdq' as const, qdqOutputs: [...ir.qdq!.outputs].map(([name, a]) => ({ name, scale: a.scale[0]!, zeroPoint: a.zeroPoint[0]! })) } : {}),
    },
    ...(calibration ? { calibration } : {}),
  };
}
