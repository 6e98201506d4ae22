/**
 * GatherND (batch_dims 0): folded on constants; else GATHER_ND in logical layout. Run-time indices (CLIP's
 * end-of-text position, an ArgMax, next to its batch index) are int32 tensors (emit.ts tensorType): FLOOR_MOD by
 * the indexed dimensions maps ONNX's negative indices [-d, -1] onto [0, d-1] as ONNX does (as Gather does), then
 * GATHER_ND.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

/** The indices with negative entries made positive and range-checked, and the output shape. */
function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['batch_dims']);
  if (attrInt(n, 'batch_dims', 0) !== 0) refuse('attr-unsupported', { attr: 'batch_dims', value: attrInt(n, 'batch_dims', 0), supported: '0' });
  const data = ctx.shape(n.inputs[0]!);
  if (!ctx.const(n.inputs[1]!)) {
    const t = ctx.dtype(n.inputs[1]!);
    if (t !== OnnxDataType.INT32 && t !== OnnxDataType.INT64) refuse('dtype-unsupported', { value: n.inputs[1]!, dtype: t, role: 'indices', expected: 'int32 and int64' });
    const indexShape = ctx.shape(n.inputs[1]!);
    const k = indexShape[indexShape.length - 1]!;
    if (indexShape.length < 1 || k > data.length) refuse('indices-mismatch', { indices: indexShape, data });
    return { k, indices: undefined, indexShape, shape: [...indexShape.slice(0, -1), ...data.slice(k)] };
  }
  const ix = ctx.needConst(n, 1, 'indices');
  const k = ix.shape[ix.shape.length - 1]!;
  if (ix.shape.length < 1 || k > data.length) refuse('indices-mismatch', { indices: ix.shape, data });
  const norm = Array.from(ix.data, (v, i) => {
    const dim = data[i % k]!;
    const w = v < 0 ? v + dim : v;
    if (w < 0 || w >= dim) refuse('index-out-of-range', { index: v, size: dim });
    return w;
  });
  return { k, indices: norm, indexShape: ix.shape, shape: [...ix.shape.slice(0, -1), ...data.slice(k)] };
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: plan(n, ctx).shape, dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const d = ctx.const(n.inputs[0]!);
  if (!d || !ctx.const(n.inputs[1]!)) return undefined;
  const { k, indices, shape } = plan(n, ctx);
  if (!indices) return undefined;
  const st = strides(d.shape);
  const inner = d.shape.slice(k).reduce((p, v) => p * v, 1);
  const out: number[] = [];
  for (let t = 0; t < indices.length / Math.max(k, 1); t++) {
    let base = 0;
    for (let j = 0; j < k; j++) base += indices[t * k + j]! * st[j]!;
    for (let e = 0; e < inner; e++) out.push(d.data[base + e]!);
  }
  return [constOf(d.dtype, shape, out)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { k, indices, indexShape } = plan(n, ctx);
  const dataShape = ctx.shape(n.inputs[0]!);
  const data = ctx.getAs(n.inputs[0]!, identity(dataShape.length));
  const out = ctx.output(n.outputs[0]!, identity(ctx.shape(n.outputs[0]!).length));
  let ix: number;
  if (indices) ix = ctx.g.addInt32Const(`${ctx.node(n)}_indices`, indexShape, indices);
  else {
    const raw = ctx.getAs(n.inputs[1]!, identity(indexShape.length));
    ix = ctx.newTensor(`${ctx.node(n)}_indices`, indexShape, 'INT32');
    const dims = ctx.g.addInt32Const(`${ctx.node(n)}_dims`, [k], dataShape.slice(0, k));
    ctx.op('FLOOR_MOD', [raw, dims], [ix], { table: 'FloorModOptions', values: {} });
  }
  ctx.op('GATHER_ND', [data, ix], [out], { table: 'GatherNdOptions', values: {} });
}

export default [{ op: 'GatherND', versions: [11, 12, 13], infer, fold, lower }] satisfies Lowering[];
