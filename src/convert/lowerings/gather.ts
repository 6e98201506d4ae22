/**
 * Gather: folded when data and indices are constant (shape arithmetic); on run-time data with
 * constant indices, GATHER along the axis's physical position (indices made non-negative). Run-time
 * indices (token ids into an embedding table) are int32 tensors (int64 ones too: emit.ts tensorType):
 * FLOOR_MOD by the axis size maps ONNX's negative indices [-s, -1] onto [0, s-1] as ONNX does, then GATHER.
 */
import type { EmitContext } from '../emit.js';
import { OnnxDataType } from '../../onnx/model.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const x = ctx.shape(n.inputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', 0), x.length);
  if (!ctx.const(n.inputs[1]!)) {
    const t = ctx.dtype(n.inputs[1]!);
    if (t !== OnnxDataType.INT32 && t !== OnnxDataType.INT64) refuse('dtype-unsupported', { value: n.inputs[1]!, dtype: t, role: 'indices', expected: 'int32 or int64' });
    const indexShape = ctx.shape(n.inputs[1]!);
    return { x, axis, indices: undefined, indexShape, shape: [...x.slice(0, axis), ...indexShape, ...x.slice(axis + 1)] };
  }
  const ix = ctx.needConst(n, 1, 'indices');
  const dim = x[axis]!;
  const indices = Array.from(ix.data, (v) => {
    const w = v < 0 ? v + dim : v;
    if (w < 0 || w >= dim) refuse('index-out-of-range', { index: v, size: dim });
    return w;
  });
  return { x, axis, indices, indexShape: ix.shape, shape: [...x.slice(0, axis), ...ix.shape, ...x.slice(axis + 1)] };
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: plan(n, ctx).shape, dtype: ctx.dtype(n.inputs[0]!) }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { x, axis, indices, indexShape } = plan(n, ctx);
  const q = indexShape.length;
  const src = ctx.primary(n.inputs[0]!);
  // physical output axes: the data's, with the gathered axis replaced by the indices' axes
  const outPerm = src.perm.flatMap((a) => (a < axis ? [a] : a === axis ? indexShape.map((_, k) => axis + k) : [a + q - 1]));
  const out = ctx.output(n.outputs[0]!, outPerm);
  let ix: number;
  if (indices) ix = ctx.g.addInt32Const(`${ctx.node(n)}_indices`, indexShape, indices);
  else {
    const raw = ctx.getAs(n.inputs[1]!, identity(q));
    ix = ctx.newTensor(`${ctx.node(n)}_indices`, indexShape, 'INT32');
    ctx.op('FLOOR_MOD', [raw, ctx.g.addInt32Const(`${ctx.node(n)}_dim`, [], [x[axis]!])], [ix], { table: 'FloorModOptions', values: {} });
  }
  ctx.op('GATHER', [src.tensor, ix], [out], { table: 'GatherOptions', values: { axis: src.perm.indexOf(axis), batch_dims: 0 } });
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const d = ctx.const(n.inputs[0]!);
  const ix = ctx.const(n.inputs[1]!);
  if (!d || !ix) return undefined;
  const axis = normAxis(attrInt(n, 'axis', 0), d.shape.length);
  const dim = d.shape[axis]!;
  const shape = [...d.shape.slice(0, axis), ...ix.shape, ...d.shape.slice(axis + 1)];
  const outer = d.shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = strides(d.shape)[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < ix.data.length; j++) {
      const raw: number = ix.data[j]!;
      const i = raw < 0 ? raw + dim : raw;
      if (i < 0 || i >= dim) refuse('index-out-of-range', { index: raw, size: dim });
      for (let k = 0; k < inner; k++) out.push(d.data[(o * dim + i) * inner + k]!);
    }
  }
  return [constOf(d.dtype, shape, out)];
}

export default [{ op: 'Gather', versions: [1, 11, 13], fold, infer, lower }] satisfies Lowering[];
