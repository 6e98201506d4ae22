/**
 * Where: folded on constants; at run time SELECT_V2 (broadcasting) choosing between float tensors, or integer
 * ones (int32 in the .tflite: a choice between ids or positions computes nothing, passes/int-ranges.ts takes the
 * union of the two ranges).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { elementCount, isFloatType, isRunTimeIntType, type ConstTensor } from '../../onnx/tensor.js';
import { broadcastShapes, constOf, requireFloat, strides } from '../lower-util.js';


/** both branches integer (ONNX gives them one type) */
function ints(n: IrNode, ctx: InferContext): boolean {
  return isRunTimeIntType(ctx.dtype(n.inputs[1]!)) && isRunTimeIntType(ctx.dtype(n.inputs[2]!));
}

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [c, x, y] = [n.inputs[0]!, n.inputs[1]!, n.inputs[2]!];
  if (ctx.dtype(c) !== OnnxDataType.BOOL) refuse('dtype-unsupported', { value: c, dtype: ctx.dtype(c), role: 'condition', expected: 'bool' });
  const shape = broadcastShapes(ctx.shape(c), broadcastShapes(ctx.shape(x), ctx.shape(y)));
  if (ints(n, ctx)) return [{ shape, dtype: ctx.dtype(x) }];
  for (const v of [x, y]) if (!ctx.const(v)) requireFloat(ctx, v);
  return [{ shape, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const inputs = n.inputs.slice(0, 3);
  const r = ctx.shape(n.outputs[0]!).length;
  const perm = ctx.commonPerm(inputs, r);
  const tensors = inputs.map((i, k) => {
    if (!ctx.isConst(i)) return ctx.getBroadcast(i, r, perm);
    const dt = ctx.value(i).dtype;
    if (k > 0 && !(ints(n, ctx) ? isRunTimeIntType(dt) : isFloatType(dt))) refuse('dtype-unsupported', { value: i, dtype: dt, role: 'constant', expected: ints(n, ctx) ? 'integer' : 'float' });
    return ctx.broadcastConst(i, r, perm);
  });
  const out = ctx.output(n.outputs[0]!, perm);
  ctx.op('SELECT_V2', tensors, [out], { table: 'SelectV2Options', values: {} });
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [c, x, y] = [0, 1, 2].map((i) => ctx.const(n.inputs[i]!));
  if (!c || !x || !y) return undefined;
  const shape = broadcastShapes(c.shape, broadcastShapes(x.shape, y.shape));
  const r = shape.length;
  /** strides of a constant read at output index positions (0 on broadcast axes) */
  const reader = (t: ConstTensor) => {
    const padded = [...new Array<number>(r - t.shape.length).fill(1), ...t.shape];
    return strides(padded).map((st, i) => (padded[i] === 1 ? 0 : st));
  };
  const [sc, sx, sy] = [reader(c), reader(x), reader(y)];
  const out = new Array<number>(elementCount(shape));
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < out.length; k++) {
    let [ic, ix, iy] = [0, 0, 0];
    for (let i = 0; i < r; i++) {
      ic += idx[i]! * sc[i]!;
      ix += idx[i]! * sx[i]!;
      iy += idx[i]! * sy[i]!;
    }
    out[k] = c.data[ic] ? x.data[ix]! : y.data[iy]!;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return [constOf(x.dtype, shape, out)];
}

export default [{ op: 'Where', versions: [9, 16], fold, infer, lower }] satisfies Lowering[];
