/**
 * Transpose: no operator of its own. The output reuses the input's tensor with a relabelled layout;
 * a TRANSPOSE appears only where a consumer (or a graph output) needs a layout nobody produced.
 */
import type { EmitContext } from '../emit.js';
import { attrInts, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { inversePerm, permute, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';

function permOf(n: IrNode, rank: number): number[] {
  onlyAttrs(n, ['perm']);
  const p = attrInts(n, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) refuse('perm-invalid', { perm: p, rank });
  return p;
}

function infer(n: IrNode, ctx: InferContext) {
  const x = ctx.shape(n.inputs[0]!);
  return [{ shape: permute(x, permOf(n, x.length)), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const p = permOf(n, c.shape.length);
  return [{ dtype: c.dtype, shape: permute(c.shape, p), data: transposeData(c.data, c.shape, p) }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const inv = inversePerm(permOf(n, src.perm.length));
  // physical axis j holds input logical axis src.perm[j], which is output logical axis inv[src.perm[j]]
  ctx.define(n.outputs[0]!, src.tensor, src.perm.map((a) => inv[a]!));
}

export default [{ op: 'Transpose', versions: [1, 13, 21, 23, 24, 25], infer, fold, lower }] satisfies Lowering[];
