/** Split -> SPLIT_V along the physical axis (split sizes from the input in 13, num_outputs in 18). */
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';

function sizes(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): { axis: number; parts: number[] } {
  const x = ctx.shape(n.inputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', 0), x.length);
  const len = x[axis]!;
  let parts: number[] | undefined;
  if (n.since >= 13) {
    onlyAttrs(n, n.since >= 18 ? ['axis', 'num_outputs'] : ['axis']);
    if (n.inputs[1]) {
      const c = ctx.const(n.inputs[1]);
      if (!c) refuse('const-input-required', { input: 'split', index: 1 });
      parts = Array.from(c.data);
    }
  } else {
    onlyAttrs(n, ['axis', 'split']);
    parts = attrInts(n, 'split');
  }
  const count = n.outputs.length;
  if (!parts) {
    const k = n.since >= 18 ? attrInt(n, 'num_outputs', count) : count;
    if (k !== count) refuse('count-mismatch', { what: 'num_outputs', count: k, expected: count, basis: 'outputs' });
    // 18: the last chunk is smaller when the axis does not divide evenly
    const chunk = Math.ceil(len / k);
    parts = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(chunk, len - i * chunk)));
  }
  if (parts.length !== count || parts.reduce((p, v) => p + v, 0) !== len || parts.some((p) => p <= 0)) refuse('split-invalid', { split: parts, length: len });
  return { axis, parts };
}

function infer(n: IrNode, ctx: InferContext) {
  const x = ctx.shape(n.inputs[0]!);
  const { axis, parts } = sizes(n, ctx);
  return parts.map((p) => ({ shape: x.map((d, i) => (i === axis ? p : d)), dtype: ctx.dtype(n.inputs[0]!) }));
}

function lower(n: IrNode, ctx: EmitContext) {
  const { axis, parts } = sizes(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const src = ctx.primary(n.inputs[0]!);
  const outs = n.outputs.map((o, k) => {
    if (o) return ctx.output(o, src.perm);
    const x = ctx.shape(n.inputs[0]!);
    return ctx.newTensor(`${ctx.node(n)}_unused${k}`, src.perm.map((a) => (a === axis ? parts[k]! : x[a]!)));
  });
  const name = ctx.node(n);
  ctx.op('SPLIT_V', [src.tensor, ctx.int32Const(`${name}_sizes`, parts), ctx.g.addInt32Const(`${name}_axis`, [], [src.perm.indexOf(axis)])], outs, {
    table: 'SplitVOptions', values: { num_splits: parts.length },
  });
}

export default [{ op: 'Split', versions: [2, 11, 13, 18], infer, lower }] satisfies Lowering[];
