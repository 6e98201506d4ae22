/**
 * DequantizeLinear: folded on constants (quantized weights and biases become float constants; the
 * QDQ pass, passes/qdq.ts, keeps their scales for the int8 pass). At run time it is read only as half
 * of a QuantizeLinear -> DequantizeLinear pair, which the QDQ pass replaces by Identity.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { dequantizeConst, qdqParams } from '../qdq.js';

function params(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis', 'block_size', 'output_dtype']);
  return qdqParams(n, ctx, ctx.shape(n.inputs[0]!).length, ctx.dtype(n.inputs[0]!));
}

export default [
  {
    op: 'DequantizeLinear',
    versions: [10, 13, 19, 21, 23, 24, 25],
    infer: (n: IrNode, ctx: InferContext) => {
      params(n, ctx);
      return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
    },
    fold: (n: IrNode, ctx: InferContext) => {
      const x = ctx.const(n.inputs[0]!);
      return x ? [dequantizeConst(x, params(n, ctx))] : undefined;
    },
    lower: () => refuse('dq-unpaired'),
  },
] satisfies Lowering[];
