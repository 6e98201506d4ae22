/** Matrix products shared by MatMul and Einsum: BATCH_MATMUL with adjoint flags, and constant folding. */
import type { ConstTensor } from '../onnx/tensor.js';
import type { EmitContext } from './emit.js';
import { refuse } from './ir.js';
import { identity, samePerm } from './layout.js';
import { broadcastShapes, constOf, strides } from './lower-util.js';

/** `perm` of `rank` with its last two axes swapped (a matrix transpose as a layout). */
export function swapLast(rank: number): number[] {
  const p = identity(rank);
  if (rank >= 2) [p[rank - 2], p[rank - 1]] = [p[rank - 1]!, p[rank - 2]!];
  return p;
}

/**
 * The operand of a BATCH_MATMUL in row-major logical order, or its transpose with the adjoint flag
 * set when that is the layout the producer already wrote (no TRANSPOSE op). Ranks may differ:
 * BATCH_MATMUL extends the shorter shape with leading 1s and broadcasts the batch dims.
 */
export function matmulOperand(ctx: EmitContext, name: string): { tensor: number; adj: boolean } {
  const rank = ctx.shape(name).length;
  if (!ctx.isConst(name)) {
    const p = ctx.primary(name).perm;
    if (!samePerm(p, identity(rank)) && samePerm(p, swapLast(rank))) return { tensor: ctx.primary(name).tensor, adj: true };
  }
  return { tensor: ctx.getAs(name, identity(rank)), adj: false };
}

/** A @ B on constants with numpy-style batch broadcasting (both at least 2-D). */
export function matmulConst(a: ConstTensor, b: ConstTensor): ConstTensor {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) refuse('inner-dims-differ', { a: a.shape, b: b.shape });
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const count = batch.reduce((p, v) => p * v, 1);
  if (count * m * n > 1 << 24) refuse('fold-too-large', { count: count * m * n, limit: 1 << 24 });
  const padA = [...new Array<number>(batch.length - (a.shape.length - 2)).fill(1), ...a.shape.slice(0, -2)];
  const padB = [...new Array<number>(batch.length - (b.shape.length - 2)).fill(1), ...b.shape.slice(0, -2)];
  const sa = strides(padA).map((s, i) => (padA[i] === 1 ? 0 : s));
  const sb = strides(padB).map((s, i) => (padB[i] === 1 ? 0 : s));
  const out = new Array<number>(count * m * n);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < count; t++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < batch.length; i++) {
      ia += idx[i]! * sa[i]!;
      ib += idx[i]! * sb[i]!;
    }
    const oa = ia * m * k;
    const ob = ib * k * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += a.data[oa + r * k + j]! * b.data[ob + j * n + c]!;
        out[(t * m + r) * n + c] = s;
      }
    }
    for (let i = batch.length - 1; i >= 0; i--) {
      if (++idx[i]! < batch[i]!) break;
      idx[i] = 0;
    }
  }
  return constOf(a.dtype, [...batch, m, n], out);
}
