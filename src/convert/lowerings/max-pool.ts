/**
 * MaxPool (2-D; 1-D as 2-D over [N, C, 1, L]) -> MAX_POOL_2D, with explicit pads and ceil_mode:
 * SAME where it is TFLite's split, else PADV2 with -inf (padding never wins a max) + VALID; dilations
 * as the MAXIMUM of strided slices (spatial.ts).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { lowerPool, poolPlan, poolShape } from '../spatial.js';

const ATTRS = ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides'];

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  if (n.outputs[1]) refuse('output-unsupported', { output: 'Indices' });
  if (attrInt(n, 'storage_order', 0) !== 0) refuse('attr-unsupported', { attr: 'storage_order', value: attrInt(n, 'storage_order', 0), supported: '0' });
  return [{ shape: poolShape(poolPlan(n, ctx.shape(n.inputs[0]!), ATTRS, true)), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  lowerPool(n, ctx, { op: 'MAX_POOL_2D' }, poolPlan(n, ctx.shape(n.inputs[0]!), ATTRS, true));
}

export default [{ op: 'MaxPool', versions: [1, 8, 10, 11, 12, 22], infer, lower }] satisfies Lowering[];
