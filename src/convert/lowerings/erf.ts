/**
 * Erf: TFLite has no ERF builtin. Exact GELU written out, x*0.5*(1+erf(x/sqrt(2))), is fused into one
 * GELU by passes/fuse-gelu.ts before lowering; an Erf left over is refused here (no exact route).
 */
import { OnnxDataType } from '../../onnx/model.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

function lower(): never {
  refuse('erf-outside-gelu');
}

export default [{ op: 'Erf', versions: [9, 13], infer, lower }] satisfies Lowering[];
