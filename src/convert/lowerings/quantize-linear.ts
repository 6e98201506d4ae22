/**
 * QuantizeLinear: folded on constants. At run time it is read only as half of a QuantizeLinear ->
 * DequantizeLinear pair, which passes/qdq.ts turns into int8 params of the float value (the int8
 * model is written by the int8 pass); a QuantizeLinear left over computes an integer tensor for
 * integer consumers (QOperator style), which this converter does not read.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { qdqParams, quantizeConst } from '../qdq.js';

const ATTRS = ['axis', 'saturate', 'block_size', 'output_dtype', 'precision'];

function params(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ATTRS);
  return qdqParams(n, ctx, ctx.shape(n.inputs[0]!).length, OnnxDataType.UINT8);
}

export default [
  {
    op: 'QuantizeLinear',
    versions: [10, 13, 19, 21, 23, 24, 25],
    infer: (n: IrNode, ctx: InferContext) => [{ shape: ctx.shape(n.inputs[0]!), dtype: params(n, ctx).qtype }],
    fold: (n: IrNode, ctx: InferContext) => {
      const x = ctx.const(n.inputs[0]!);
      return x ? [quantizeConst(x, params(n, ctx))] : undefined;
    },
    lower: () => refuse('q-unpaired'),
  },
] satisfies Lowering[];
