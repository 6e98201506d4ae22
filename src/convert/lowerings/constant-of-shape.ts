/** ConstantOfShape: folded when the shape is constant. */
import { OnnxDataType } from '../../onnx/model.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';
import { elementCount } from '../../onnx/tensor.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['value']);
  const s = ctx.const(n.inputs[0]!);
  if (!s) return undefined;
  const shape = Array.from(s.data);
  const v = n.tensorAttrs?.get('value');
  if (v && v.data.length !== 1) refuse('count-mismatch', { what: 'value', count: v.data.length, expected: 1, basis: 'scalar' });
  let count: number;
  try { count = elementCount(shape); } catch { refuse('shape-invalid', { shape }); }
  ctx.checkFoldSize(count, 'ConstantOfShape');
  return [constOf(v?.dtype ?? OnnxDataType.FLOAT, shape, new Array<number>(count).fill(v?.data[0] ?? 0))];
}

export default [{ op: 'ConstantOfShape', versions: [9, 20, 21, 23, 24, 25], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];
