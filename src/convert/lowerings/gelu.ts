/** Gelu (opset 20) -> GELU; approximate 'none' (erf) or 'tanh' maps to GELU's approximate flag. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function approximate(n: IrNode): boolean {
  onlyAttrs(n, ['approximate']);
  const a = attrString(n, 'approximate', 'none');
  if (a !== 'none' && a !== 'tanh') refuse('attr-unsupported', { attr: 'approximate', value: a, supported: 'none or tanh' });
  return a === 'tanh';
}

function infer(n: IrNode, ctx: InferContext) {
  approximate(n);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('GELU', [src.tensor], [out], { table: 'GeluOptions', values: { approximate: approximate(n) } });
}

export default [{ op: 'Gelu', versions: [20], infer, lower }] satisfies Lowering[];
