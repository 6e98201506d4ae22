/**
 * QuantizeLinear / DequantizeLinear semantics shared by their lowerings and the QDQ pass
 * (passes/qdq.ts): reading a node's scale, zero point and axis, and evaluating both ops on constants.
 * ONNX: y = saturate(round_half_even(x / scale) + zero_point); x = (y - zero_point) * scale, per tensor
 * (scalar scale) or per axis (1-D scale along `axis`, default 1); blocked quantization (block_size) is
 * not read here.
 */
import { OnnxDataType } from '../onnx/model.js';
import type { ConstTensor } from '../onnx/tensor.js';
import { forEachChannelRun } from './channel-runs.js';
import { attrInt, normAxis, refuse, type IrNode } from './ir.js';
import type { InferContext } from './lowering.js';

export interface QdqParams {
  scale: number[];
  zeroPoint: number[];
  /** the ONNX element type of the quantized values (INT8, UINT8, ...) */
  qtype: number;
  /** per-axis: the axis the scales run along (normalised); undefined when per tensor */
  axis?: number;
}

const INT_RANGE: Record<number, [number, number]> = {
  [OnnxDataType.INT8]: [-128, 127],
  [OnnxDataType.UINT8]: [0, 255],
  [OnnxDataType.INT16]: [-32768, 32767],
  [OnnxDataType.UINT16]: [0, 65535],
  [OnnxDataType.INT32]: [-(2 ** 31), 2 ** 31 - 1],
};

export const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/**
 * The scale, zero point and axis of a QuantizeLinear/DequantizeLinear node for an input of rank
 * `rank`; refuses what is not constant or not understood. `qtypeDefault` is the quantized type when
 * there is no zero point (the input's type for DequantizeLinear; uint8 for QuantizeLinear).
 */
export function qdqParams(n: IrNode, ctx: Pick<InferContext, 'const'>, rank: number, qtypeDefault: number): QdqParams {
  if (attrInt(n, 'block_size', 0) !== 0) refuse('qdq-blocked', {});
  const scale = ctx.const(n.inputs[1] ?? '');
  if (!scale) refuse('const-input-required', { input: n.op === 'QuantizeLinear' ? 'y_scale' : 'x_scale', index: 1 });
  const zp = n.inputs[2] ? ctx.const(n.inputs[2]) : undefined;
  if (n.inputs[2] && !zp) refuse('const-input-required', { input: n.op === 'QuantizeLinear' ? 'y_zero_point' : 'x_zero_point', index: 2 });
  const outputDtype = attrInt(n, 'output_dtype', 0);
  const qtype = zp?.dtype ?? (outputDtype || qtypeDefault);
  if (zp && outputDtype && outputDtype !== zp.dtype) refuse('qdq-output-dtype', { outputDtype, zeroPointDtype: zp.dtype });
  if (scale.shape.length > 1) refuse('qdq-blocked', { scaleRank: scale.shape.length });
  const count = scale.data.length;
  if (zp && zp.data.length !== count) refuse('count-mismatch', { what: 'the zero point', count: zp.data.length, expected: count, basis: 'scales' });
  const s = Array.from(scale.data, Math.fround);
  if (s.some((v) => !(v > 0) || !Number.isFinite(v))) refuse('values-invalid', { what: 'scale', values: s, need: 'positive-finite' });
  const z = zp ? Array.from(zp.data) : new Array<number>(count).fill(0);
  // a one-element 1-D scale is per tensor too (onnxruntime writes per-tensor biases so)
  if (scale.shape.length === 0 || count === 1) return { scale: s, zeroPoint: z, qtype };
  const axis = normAxis(attrInt(n, 'axis', 1), rank);
  return { scale: s, zeroPoint: z, qtype, axis };
}

/** Index along `axis` of flat element i, for a tensor of `shape`. */
function channelRuns(x: ConstTensor, p: QdqParams, each: (first: number, end: number, channel: number) => void): void {
  if (!forEachChannelRun(x.data.length, x.shape, p.axis, p.scale.length, each)) {
    refuse('count-mismatch', { what: 'scale', count: p.scale.length, expected: x.shape[p.axis ?? 0] ?? 0, basis: 'axis-size', ...(p.axis !== undefined ? { axis: p.axis } : {}) });
  }
}

/** DequantizeLinear of a constant: float32 (x - zero_point) x scale. */
export function dequantizeConst(x: ConstTensor, p: QdqParams): ConstTensor {
  const out = new Float32Array(x.data.length);
  channelRuns(x, p, (first, end, c) => {
    const zeroPoint = p.zeroPoint[c]!;
    const scale = p.scale[c]!;
    for (let i = first; i < end; i++) out[i] = Math.fround(x.data[i]! - zeroPoint) * scale;
  });
  return { dtype: OnnxDataType.FLOAT, shape: [...x.shape], data: out };
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** QuantizeLinear of a constant (integer types only). */
export function quantizeConst(x: ConstTensor, p: QdqParams): ConstTensor {
  const range = INT_RANGE[p.qtype];
  if (!range) refuse('qdq-type', { dtype: p.qtype });
  const out = new Float64Array(x.data.length);
  channelRuns(x, p, (first, end, c) => {
    const zeroPoint = p.zeroPoint[c]!;
    const scale = p.scale[c]!;
    for (let i = first; i < end; i++) out[i] = Math.min(range[1], Math.max(range[0], roundHalfEven(Math.fround(x.data[i]! / scale)) + zeroPoint));
  });
  return { dtype: p.qtype, shape: [...x.shape], data: out };
}
