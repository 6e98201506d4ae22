/** MaxPool (2-D; 1-D as 2-D over [N, C, 1, L]) -> MAX_POOL_2D; explicit padding uses PADV2 with -FLT_MAX so pads never win. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { lowerPool, poolAttrs, poolShape } from './average-pool.js';

const ATTRS = ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'];

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  if (n.outputs[1]) refuse('the Indices output is not supported');
  if (attrInt(n, 'storage_order', 0) !== 0) refuse('storage_order=1 is not supported');
  const { sp, x, oneD } = poolAttrs(n, ctx.shape(n.inputs[0]!), ATTRS);
  return [{ shape: poolShape(x, sp, oneD), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  lowerPool(n, ctx, 'MAX_POOL_2D', poolAttrs(n, ctx.shape(n.inputs[0]!), ATTRS), -3.4028234663852886e38, false);
}

export default [{ op: 'MaxPool', versions: [1, 8, 10, 11, 12, 22], infer, lower }] satisfies Lowering[];
