/**
 * BatchNormalization (inference). Usually folded into the preceding Conv by passes/fold-batchnorm.ts;
 * a standalone one becomes MUL + ADD with per-channel constants.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { fusedAct, requireFloat } from '../lower-util.js';

/** Per-channel scale and shift equal to the normalisation: y = x * scale + shift. */
export function bnScaleShift(n: IrNode, ctx: { needConst: InferContext['needConst'] }): { scale: Float32Array; shift: Float32Array } {
  const eps = attrFloat(n, 'epsilon', 1e-5);
  const gamma = ctx.needConst(n, 1, 'scale').data;
  const beta = ctx.needConst(n, 2, 'bias').data;
  const mean = ctx.needConst(n, 3, 'mean').data;
  const variance = ctx.needConst(n, 4, 'var').data;
  const c = gamma.length;
  for (const [what, p] of [['bias', beta], ['mean', mean], ['var', variance]] as const) {
    if (p.length !== c) refuse('count-mismatch', { what, count: p.length, expected: c, basis: 'parameters' });
  }
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    // computed in double precision, rounded once
    const s = gamma[i]! / Math.sqrt(variance[i]! + eps);
    scale[i] = s;
    shift[i] = beta[i]! - mean[i]! * s;
  }
  return { scale, shift };
}

function check(n: IrNode, ctx: InferContext): number[] {
  onlyAttrs(n, ['epsilon', 'momentum', 'training_mode', 'spatial', 'is_test', 'consumed_inputs']);
  if (attrInt(n, 'training_mode', 0) !== 0) refuse('training-mode', { feature: 'training_mode' });
  if (attrInt(n, 'spatial', 1) !== 1) refuse('attr-unsupported', { attr: 'spatial', value: attrInt(n, 'spatial', 1), supported: '1' });
  if (n.outputs.slice(1).some((o) => o)) refuse('training-mode', { feature: 'running-stats' });
  const x = ctx.shape(n.inputs[0]!);
  if (x.length < 2) refuse('rank-unsupported', { operand: n.inputs[0]!, rank: x.length, min: 2 });
  const { scale } = bnScaleShift(n, ctx);
  if (scale.length !== x[1]) refuse('count-mismatch', { what: 'scale', count: scale.length, expected: x[1]!, basis: 'channels' });
  return x;
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: check(n, ctx), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = ctx.shape(n.inputs[0]!);
  const src = ctx.primary(n.inputs[0]!);
  const { scale, shift } = bnScaleShift(n, { needConst: (node, i) => ctx.constOf(node.inputs[i]!)! });
  const r = x.length;
  const name = ctx.node(n);
  const paramShape = [1, x[1]!, ...new Array<number>(r - 2).fill(1)];
  const mk = (suffix: string, data: Float32Array) => {
    const v = `${name}__${suffix}`;
    ctx.ir.values.set(v, { name: v, dtype: OnnxDataType.FLOAT, shape: paramShape, const: { dtype: OnnxDataType.FLOAT, shape: paramShape, data } });
    return ctx.broadcastConst(v, r, src.perm);
  };
  const mid = ctx.newTensor(`${name}_scaled`, ctx.g.tensors[src.tensor]!.shape);
  ctx.op('MUL', [src.tensor, mk('scale', scale)], [mid], { table: 'MulOptions', values: {} });
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('ADD', [mid, mk('shift', shift)], [out], { table: 'AddOptions', values: { fused_activation_function: fusedAct(n) } });
}

export default [
  { op: 'BatchNormalization', versions: [7, 9, 14, 15], infer, lower },
] satisfies Lowering[];
