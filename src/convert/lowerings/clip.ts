/** Clip -> RELU / RELU6 / RELU_N1_TO_1 / RELU_0_TO_1 when the bounds match, else MAXIMUM + MINIMUM. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, requireFloat } from '../lower-util.js';
import type { BuiltinOpName } from '../tflite/schema.js';

/** The clamp bounds, from attributes (before 11) or constant inputs (11 and later). */
export function clipBounds(n: IrNode, ctx: Pick<InferContext, 'const'>): [number, number] {
  if (n.since < 11) {
    onlyAttrs(n, ['min', 'max']);
    return [attrFloat(n, 'min', -Infinity), attrFloat(n, 'max', Infinity)];
  }
  onlyAttrs(n, []);
  const bound = (i: number, d: number): number => {
    const name = n.inputs[i];
    if (!name) return d;
    const c = ctx.const(name);
    if (!c) refuse('const-input-required', { input: i === 1 ? 'min' : 'max', index: i });
    if (c.data.length !== 1) refuse('count-mismatch', { what: i === 1 ? 'min' : 'max', count: c.data.length, expected: 1, basis: 'scalar' });
    return c.data[0]!;
  };
  return [bound(1, -Infinity), bound(2, Infinity)];
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  clipBounds(n, ctx);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

/** Folded on a constant input (Swin v2's clamped logit scale). */
function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const [lo, hi] = clipBounds(n, ctx);
  return [constOf(c.dtype, c.shape, Array.from(c.data, (v) => Math.min(Math.max(v, lo), hi)))];
}

function lower(n: IrNode, ctx: EmitContext) {
  const [lo, hi] = clipBounds(n, { const: (s) => ctx.constOf(s) });
  const src = ctx.primary(n.inputs[0]!);
  const named: Record<string, BuiltinOpName> = { '0,Infinity': 'RELU', '0,6': 'RELU6', '-1,1': 'RELU_N1_TO_1', '0,1': 'RELU_0_TO_1' };
  const single = named[`${lo},${hi}`];
  const out = ctx.output(n.outputs[0]!, src.perm);
  if (single) {
    ctx.op(single, [src.tensor], [out]);
    return;
  }
  const name = ctx.node(n);
  let t = src.tensor;
  if (lo > -Infinity) {
    const mid = hi < Infinity ? ctx.newTensor(`${name}_lo`, ctx.g.tensors[src.tensor]!.shape) : out;
    ctx.op('MAXIMUM', [t, ctx.floatConst(`${name}_min`, [], [lo])], [mid], { table: 'MaximumMinimumOptions', values: {} });
    t = mid;
  }
  if (hi < Infinity) ctx.op('MINIMUM', [t, ctx.floatConst(`${name}_max`, [], [hi])], [out], { table: 'MaximumMinimumOptions', values: {} });
  if (lo === -Infinity && hi === Infinity) ctx.op('RESHAPE', [t, ctx.int32Const(`${name}_shape`, ctx.g.tensors[out]!.shape)], [out]);
}

export default [{ op: 'Clip', versions: [6, 11, 12, 13], infer, fold, lower }] satisfies Lowering[];
