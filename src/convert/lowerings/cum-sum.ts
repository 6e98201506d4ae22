/**
 * CumSum (constant axis; exclusive, reverse): folded on constants; at run time CUMSUM on a float32 tensor or
 * an integer one (int32 in the .tflite; RoBERTa and OPT count mask positions with it). int64 sums computed in
 * int32 are checked by passes/int-ranges.ts, like Add.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { isRunTimeIntType } from '../../onnx/tensor.js';
import type { EmitContext } from '../emit.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';


function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['exclusive', 'reverse']);
  const shape = ctx.shape(n.inputs[0]!);
  const a = ctx.needConst(n, 1, 'axis');
  if (a.data.length !== 1) refuse('count-mismatch', { what: 'axis', count: a.data.length, expected: 1, basis: 'scalar' });
  return { shape, axis: normAxis(a.data[0]!, shape.length), exclusive: attrInt(n, 'exclusive', 0) !== 0, reverse: attrInt(n, 'reverse', 0) !== 0 };
}

function infer(n: IrNode, ctx: InferContext) {
  const dtype = ctx.dtype(n.inputs[0]!);
  if (!(dtype === OnnxDataType.FLOAT || isRunTimeIntType(dtype)) && !ctx.const(n.inputs[0]!)) refuse('dtype-unsupported', { value: n.inputs[0]!, dtype, role: 'input', expected: 'float32, int32 and int64' });
  return [{ shape: plan(n, ctx).shape, dtype }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c || !ctx.const(n.inputs[1]!)) return undefined;
  const { shape, axis, exclusive, reverse } = plan(n, ctx);
  const st = strides(shape)[axis]!;
  const len = shape[axis]!;
  const out = new Array<number>(c.data.length).fill(0);
  for (let base = 0; base < c.data.length; base++) {
    // each line along the axis starts where the axis coordinate is 0
    if (Math.floor(base / st) % len !== 0) continue;
    let acc = 0;
    for (let k = 0; k < len; k++) {
      const i = base + (reverse ? len - 1 - k : k) * st;
      if (exclusive) { out[i] = acc; acc += c.data[i]!; } else { acc += c.data[i]!; out[i] = acc; }
    }
  }
  return [constOf(c.dtype, shape, out)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { axis, exclusive, reverse } = plan(n, ctx);
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  // the axis in the tensor's physical layout
  const ax = ctx.g.addInt32Const(`${ctx.node(n)}_axis`, [], [src.perm.indexOf(axis)]);
  ctx.op('CUMSUM', [src.tensor, ax], [out], { table: 'CumsumOptions', values: { exclusive, reverse } });
}

export default [{ op: 'CumSum', versions: [11, 14], infer, fold, lower }] satisfies Lowering[];
