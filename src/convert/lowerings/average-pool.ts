/**
 * AveragePool (2-D; 1-D as 2-D over [N, C, 1, L]) -> AVERAGE_POOL_2D, exact for explicit pads,
 * auto_pad, ceil_mode and both count_include_pad values (spatial.ts lowerPool: SAME where TFLite's
 * divisor is ONNX's, else zero PAD + VALID and a constant per-position divisor correction).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { lowerPool, poolPlan, poolShape } from '../spatial.js';

const ATTRS = ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides', 'dilations'];

function countIncludePad(n: IrNode): boolean {
  const c = attrInt(n, 'count_include_pad', 0);
  if (c !== 0 && c !== 1) refuse('attr-unsupported', { attr: 'count_include_pad', value: c, supported: '0 or 1' });
  return c === 1;
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  countIncludePad(n);
  return [{ shape: poolShape(poolPlan(n, ctx.shape(n.inputs[0]!), ATTRS)), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  lowerPool(n, ctx, { op: 'AVERAGE_POOL_2D', countIncludePad: countIncludePad(n) }, poolPlan(n, ctx.shape(n.inputs[0]!), ATTRS));
}

export default [{ op: 'AveragePool', versions: [1, 7, 10, 11, 19, 22], infer, lower }] satisfies Lowering[];
