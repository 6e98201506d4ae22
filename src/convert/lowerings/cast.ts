/** Cast: folded on constants (shape arithmetic); a float->float cast at run time is the identity. */
import { OnnxDataType } from '../../onnx/model.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';
import { isFloatType } from '../../onnx/tensor.js';
import { aliasLower } from '../alias.js';

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
  if (!range) refuse(`cast to type ${t} is not supported`);
  return [constOf(t, c.shape, Array.from(c.data, (v) => Math.trunc(v)))];
}

function infer(n: IrNode, ctx: InferContext) {
  const t = to(n);
  if (!(t === OnnxDataType.FLOAT && ctx.dtype(n.inputs[0]!) === OnnxDataType.FLOAT)) refuse(`a run-time cast to type ${t} is not supported`);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: t }];
}

export default [{ op: 'Cast', versions: [6, 9, 13, 19, 21, 23, 24, 25], fold, infer, lower: aliasLower }] satisfies Lowering[];
