/**
 * InstanceNormalization as TFLite ops (normalize.ts): statistics per sample and channel over the
 * spatial axes, then scale and bias per channel. torch exports GroupNorm (Wav2Vec2's feature
 * extractor) as Reshape -> InstanceNormalization -> Reshape.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { lowerNormalize } from '../normalize.js';

function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['epsilon']);
  const x = ctx.shape(n.inputs[0]!);
  if (x.length < 3) refuse('rank-unsupported', { operand: n.inputs[0]!, rank: x.length, min: 3 });
  const c = x[1]!;
  for (const i of [1, 2]) {
    const p = n.inputs[i];
    if (!p) refuse('input-missing', { input: i === 1 ? 'scale' : 'B', index: i });
    if (ctx.shape(p).join() !== String(c)) refuse('shape-mismatch', { operand: i === 1 ? 'scale' : 'B', shape: ctx.shape(p), expected: [c] });
    ctx.needConst(n, i, i === 1 ? 'scale' : 'bias');
  }
  return { x, epsilon: attrFloat(n, 'epsilon', 1e-5) };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: plan(n, ctx).x, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { x, epsilon } = plan(n, ctx);
  // per-channel constants as [C, 1, ...] so they broadcast along axis 1 of x
  const perChannel = (i: number) => {
    const c = ctx.needConst(n, i, 'scale or bias');
    const alias = `${ctx.node(n)}__in${i}_per_channel`;
    const shape = [x[1]!, ...x.slice(2).map(() => 1)];
    ctx.ir.values.set(alias, { name: alias, dtype: c.dtype, shape, const: { ...c, shape } });
    return alias;
  };
  lowerNormalize(n, ctx, { axes: x.slice(2).map((_, k) => k + 2), epsilon, scale: perChannel(1), bias: perChannel(2) });
}

export default [{ op: 'InstanceNormalization', versions: [6, 22], infer, lower }] satisfies Lowering[];
