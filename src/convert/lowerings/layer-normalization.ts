/**
 * LayerNormalization-17 as its definition in TFLite ops (normalize.ts), over the normalised axes.
 * The optional Mean and InvStdDev outputs are the MEAN and RSQRT results.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, consumers, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, requireFloat } from '../lower-util.js';
import { lowerNormalize } from '../normalize.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape'>) {
  onlyAttrs(n, ['axis', 'epsilon', 'stash_type']);
  const x = ctx.shape(n.inputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', -1), x.length);
  if (attrInt(n, 'stash_type', 1) !== 1) refuse('attr-unsupported', { attr: 'stash_type', value: attrInt(n, 'stash_type', 1), supported: '1 (float32)' });
  for (const i of [1, 2]) {
    const p = n.inputs[i];
    if (p && broadcastShapes(ctx.shape(p), x).join() !== x.join()) refuse('no-broadcast', { operand: i === 1 ? 'Scale' : 'B', shape: ctx.shape(p), to: x });
  }
  const axes = Array.from({ length: x.length - axis }, (_, k) => axis + k);
  return { x, axis, axes, epsilon: attrFloat(n, 'epsilon', 1e-5) };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { x, axis } = plan(n, ctx);
  const stat = x.map((d, i) => (i < axis ? d : 1));
  return [{ shape: x, dtype: OnnxDataType.FLOAT }, { shape: stat, dtype: OnnxDataType.FLOAT }, { shape: stat, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { axes, epsilon } = plan(n, ctx);
  // the Mean / InvStdDev outputs are the statistics themselves (x's layout, normalised axes of size 1)
  const used = (o: string | undefined): o is string => !!o && (consumers(ctx.ir, o).length > 0 || ctx.ir.outputs.includes(o));
  lowerNormalize(n, ctx, {
    axes, epsilon, scale: n.inputs[1], bias: n.inputs[2],
    meanOut: used(n.outputs[1]) ? n.outputs[1] : undefined, invStdOut: used(n.outputs[2]) ? n.outputs[2] : undefined,
  });
}

export default [{ op: 'LayerNormalization', versions: [17], infer, lower }] satisfies Lowering[];
