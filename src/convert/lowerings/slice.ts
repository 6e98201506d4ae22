/** Slice (constant starts/ends/axes/steps) -> STRIDED_SLICE on physical axes; folds on constants. */
import type { EmitContext } from '../emit.js';
import { attrInts, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constFromCoords } from '../lower-util.js';

interface AxisSlice { start: number; end: number; step: number; len: number }

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>, allowEmpty = false): AxisSlice[] {
  const x = ctx.shape(n.inputs[0]!);
  let starts: number[]; let ends: number[]; let axes: number[] | undefined; let steps: number[] | undefined;
  if (n.since < 10) {
    onlyAttrs(n, ['starts', 'ends', 'axes']);
    starts = attrInts(n, 'starts') ?? refuse('attr-missing', { attr: 'starts' });
    ends = attrInts(n, 'ends') ?? refuse('attr-missing', { attr: 'ends' });
    axes = attrInts(n, 'axes');
  } else {
    onlyAttrs(n, []);
    const get = (i: number, what: string): number[] | undefined => {
      const name = n.inputs[i];
      if (!name) return undefined;
      const c = ctx.const(name);
      if (!c) refuse('const-input-required', { input: what, index: i });
      return Array.from(c.data);
    };
    starts = get(1, 'starts') ?? refuse('input-missing', { input: 'starts', index: 1 });
    ends = get(2, 'ends') ?? refuse('input-missing', { input: 'ends', index: 2 });
    axes = get(3, 'axes');
    steps = get(4, 'steps');
  }
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, x.length));
  for (const [what, v] of [['starts', starts], ['ends', ends], ['steps', steps]] as const) {
    if (v && v.length !== ax.length) refuse('count-mismatch', { what, count: v.length, expected: ax.length, basis: 'axes' });
  }
  const out: AxisSlice[] = x.map((d) => ({ start: 0, end: d, step: 1, len: d }));
  ax.forEach((a, k) => {
    const dim = x[a]!;
    const step = steps?.[k] ?? 1;
    if (step === 0) refuse('values-invalid', { what: 'steps', values: steps!, need: 'non-zero' });
    let s = starts[k]!;
    let e = ends[k]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    const len = Math.max(0, Math.ceil((e - s) / step));
    // an empty constant is fine (Swin's unshifted last stage slices [-7:0] of its mask); a run-time one is not
    if (len === 0 && !allowEmpty) refuse('empty-output');
    out[a] = { start: s, end: e, step, len };
  });
  return out;
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: plan(n, ctx).map((p) => p.len), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const p = plan(n, ctx, true);
  const shape = p.map((q) => q.len);
  return [constFromCoords(c, shape, (axis, i) => p[axis]!.start + i * p[axis]!.step)];
}

/** TFLite's STRIDED_SLICE kernel takes at most 5 dimensions (a constant slice of any rank folds). */
const STRIDED_SLICE_MAX_RANK = 5;

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  if (p.length > STRIDED_SLICE_MAX_RANK) refuse('kernel-rank-limit', { kernel: 'STRIDED_SLICE', rank: p.length, max: STRIDED_SLICE_MAX_RANK });
  const src = ctx.primary(n.inputs[0]!);
  const phys = src.perm.map((a) => p[a]!);
  let endMask = 0;
  const ends = phys.map((q, i) => {
    if (q.end < 0) { endMask |= 1 << i; return 0; } // negative step running past index 0
    return q.end;
  });
  const name = ctx.node(n);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('STRIDED_SLICE', [src.tensor, ctx.int32Const(`${name}_begin`, phys.map((q) => q.start)), ctx.int32Const(`${name}_end`, ends), ctx.int32Const(`${name}_strides`, phys.map((q) => q.step))], [out], {
    table: 'StridedSliceOptions', values: { end_mask: endMask },
  });
}

export default [{ op: 'Slice', versions: [1, 10, 11, 13], infer, fold, lower }] satisfies Lowering[];
