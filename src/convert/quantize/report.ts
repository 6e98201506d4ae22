/** What a quantization pass did, per operator of the float graph: the data behind `--json`'s list. */
import type { TfliteGraph } from '../tflite/model.js';
import type { FloatReason, QuantizedAs, QuantizeNote } from './decisions.js';
import type { KeepFloatStats } from './keep-float.js';

export const QUANTIZE_MODES = ['float16', 'dynamic', 'int8'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

/** An operator of the float graph: its position, op and first output tensor's name (the ONNX value it computes). */
export interface OpPlace {
  index: number;
  op: string;
  output: string;
}

/** An operator quantized (how) or kept float (why). */
export type OpDecision = { status: 'quantized'; how: QuantizedAs } | { status: 'float'; why: FloatReason };

export type OpQuantization = OpPlace & OpDecision;

export interface QuantizeReport {
  mode: QuantizeMode;
  ops: OpQuantization[];
  /** constant tensors re-encoded and their float32 bytes before / bytes after */
  weights: { tensors: number; floatBytes: number; quantizedBytes: number };
  /** operators the pass added (DEQUANTIZE, QUANTIZE) */
  addedOps: Record<string, number>;
  notes: QuantizeNote[];
  /** int8 with --keep-float: which operators it kept float and, with auto, what was measured to choose them */
  keepFloat?: KeepFloatReport;
}

/** `--keep-float`'s decision as the report carries it: the kept operators by name, and auto's numbers. */
export interface KeepFloatReport extends KeepFloatStats {
  mode: 'auto' | 'names';
  kept: (OpPlace & { why: FloatReason })[];
}

/** Every operator of `graph` (as it is before a pass): the report's list. */
export function opPlaces(graph: TfliteGraph): OpPlace[] {
  return graph.operators.map((op, index) => ({ index, op: op.op, output: graph.tensors[op.outputs[0]!]?.name ?? '' }));
}

/** A report of `ops`, nothing re-encoded or added yet. */
export function newReport(mode: QuantizeMode, ops: OpQuantization[]): QuantizeReport {
  return { mode, ops, weights: { tensors: 0, floatBytes: 0, quantizedBytes: 0 }, addedOps: {}, notes: [] };
}

/** A report with every operator of `graph` (as it is before the pass) float for `why`. */
export function startReport(mode: QuantizeMode, graph: TfliteGraph, why: FloatReason): QuantizeReport {
  return newReport(mode, opPlaces(graph).map((place) => ({ ...place, status: 'float' as const, why })));
}

/** Marks operator `index` of the report quantized (how) or float (why). */
export function decide(report: QuantizeReport, index: number, decision: OpDecision): void {
  const { op, output } = report.ops[index]!;
  report.ops[index] = { index, op, output, ...decision };
}

export function countAdded(report: QuantizeReport, op: string, n = 1): void {
  report.addedOps[op] = (report.addedOps[op] ?? 0) + n;
}
