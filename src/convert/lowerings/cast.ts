/**
 * Cast: folded on constants (shape arithmetic); a float->float cast at run time is the identity.
 * Run-time integers (int32, and int64 from int64 inputs) are int32 tensors in the .tflite (emit.ts
 * tensorType; int64 arithmetic on them is checked by passes/int-ranges.ts): integer/bool -> float and integer <-> bool are one CAST
 * (exact: the same value, nonzero is true), int32 <-> int64 and a cast to the same type are the
 * identity (the same int32 tensor). float -> integer or bool is refused.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';
import { isFloatType } from '../../onnx/tensor.js';
import { aliasLower } from '../alias.js';
import { TensorType } from '../tflite/schema.js';
import type { EmitContext } from '../emit.js';

const INTS: Record<number, [number, number]> = {
  [OnnxDataType.INT8]: [-128, 127], [OnnxDataType.UINT8]: [0, 255], [OnnxDataType.INT16]: [-32768, 32767],
  [OnnxDataType.UINT16]: [0, 65535], [OnnxDataType.INT32]: [-(2 ** 31), 2 ** 31 - 1], [OnnxDataType.UINT32]: [0, 2 ** 32 - 1],
  [OnnxDataType.INT64]: [-(2 ** 63), 2 ** 63], [OnnxDataType.UINT64]: [0, 2 ** 64],
};

function to(n: IrNode): number {
  onlyAttrs(n, ['to', 'saturate', 'round_mode']);
  return attrInt(n, 'to', 0);
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const t = to(n);
  if (isFloatType(t)) return [constOf(t, c.shape, c.data)];
  if (t === OnnxDataType.BOOL) return [constOf(t, c.shape, Array.from(c.data, (v) => (v !== 0 ? 1 : 0)))];
  const range = INTS[t];
  if (!range) refuse('cast-unsupported', { to: t });
  return [constOf(t, c.shape, Array.from(c.data, (v) => Math.trunc(v)))];
}

/** Run-time integer types, all int32 tensors in the .tflite, and bool. */
const INTISH: number[] = [OnnxDataType.INT32, OnnxDataType.INT64, OnnxDataType.BOOL];

/** The run-time output type, or a refusal; `cast` when a CAST is emitted (else the identity). */
function runtime(n: IrNode, ctx: InferContext): { dtype: number; cast: boolean } {
  const t = to(n);
  const from = ctx.dtype(n.inputs[0]!);
  if (from === OnnxDataType.FLOAT && t === OnnxDataType.FLOAT) return { dtype: t, cast: false };
  if (INTISH.includes(from) && (t === OnnxDataType.FLOAT || INTISH.includes(t))) {
    // a CAST to float, or between an integer and bool; int32 <-> int64 is the same int32 tensor
    // (run-time int64 values fit int32: they come from int32 tensors)
    return { dtype: t, cast: t === OnnxDataType.FLOAT || (t === OnnxDataType.BOOL) !== (from === OnnxDataType.BOOL) };
  }
  refuse('cast-unsupported', { from, to: t });
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: runtime(n, ctx).dtype }];
}

function lower(n: IrNode, ctx: EmitContext) {
  if (!runtime(n, ctx).cast) return aliasLower(n, ctx);
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  const type = (v: string) => TensorType[ctx.tensorType(v)];
  ctx.op('CAST', [src.tensor], [out], { table: 'CastOptions', values: { in_data_type: type(n.inputs[0]!), out_data_type: type(n.outputs[0]!) } });
}

export default [{ op: 'Cast', versions: [6, 9, 13, 19, 21, 23, 24, 25], fold, infer, lower }] satisfies Lowering[];
