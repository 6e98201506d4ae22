/** What a quantization pass did, per operator of the float graph: the data behind `--json`'s list. */
import type { TfliteGraph } from '../tflite/model.js';
import type { KeepFloatStats } from './keep-float.js';

export const QUANTIZE_MODES = ['float16', 'dynamic', 'int8'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

export interface OpQuantization {
  /** the operator's position in the float graph */
  index: number;
  op: string;
  /** its first output tensor's name (names the ONNX value it computes) */
  output: string;
  status: 'quantized' | 'float';
  /** for quantized: what is quantized (e.g. "int8 weights, per channel"); for float: why not */
  detail: string;
}

export interface QuantizeReport {
  mode: QuantizeMode;
  ops: OpQuantization[];
  /** constant tensors re-encoded and their float32 bytes before / bytes after */
  weights: { tensors: number; floatBytes: number; quantizedBytes: number };
  /** operators the pass added (DEQUANTIZE, QUANTIZE) */
  addedOps: Record<string, number>;
  notes: string[];
  /** int8 with --keep-float: which operators it kept float and, with auto, what was measured to choose them */
  keepFloat?: KeepFloatReport;
}

/** `--keep-float`'s decision as the report carries it: the kept operators by name, and auto's numbers. */
export interface KeepFloatReport extends KeepFloatStats {
  mode: 'auto' | 'names';
  kept: { index: number; op: string; output: string; reason: string }[];
}

/** A report with every operator of `graph` (as it is before the pass) marked float with `detail`. */
export function startReport(mode: QuantizeMode, graph: TfliteGraph, detail: string): QuantizeReport {
  return {
    mode,
    ops: graph.operators.map((op, index) => ({
      index, op: op.op, output: graph.tensors[op.outputs[0]!]?.name ?? '', status: 'float' as const, detail,
    })),
    weights: { tensors: 0, floatBytes: 0, quantizedBytes: 0 },
    addedOps: {},
    notes: [],
  };
}

export function countAdded(report: QuantizeReport, op: string, n = 1): void {
  report.addedOps[op] = (report.addedOps[op] ?? 0) + n;
}
