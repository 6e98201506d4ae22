/** Constant: becomes a constant value at build time (value, value_float(s), value_int(s)). */
import { OnnxDataType } from '../../onnx/model.js';
import { refuse, type IrNode } from '../ir.js';
import { notLowered, type Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';
import type { ConstTensor } from '../../onnx/tensor.js';

function value(n: IrNode): ConstTensor {
  if (n.attrs.size !== 1) refuse('count-mismatch', { what: 'Constant value attributes', count: n.attrs.size, expected: 1, basis: 'scalar' });
  const t = n.tensorAttrs?.get('value');
  if (t) return t;
  const a = n.attrs.get('value_float') ?? n.attrs.get('value_floats') ?? n.attrs.get('value_int') ?? n.attrs.get('value_ints');
  if (!a) refuse('attr-unknown', { attr: [...n.attrs.keys()][0]! });
  switch (a.type) {
    case 'float': return constOf(OnnxDataType.FLOAT, [], [a.value]);
    case 'floats': return constOf(OnnxDataType.FLOAT, [a.value.length], a.value);
    case 'int': return constOf(OnnxDataType.INT64, [], [a.value]);
    case 'ints': return constOf(OnnxDataType.INT64, [a.value.length], a.value);
    default: refuse('attr-type', { attr: [...n.attrs.keys()][0]!, type: a.type, expected: 'float, floats, int or ints' });
  }
}

export default [
  {
    op: 'Constant',
    versions: [1, 9, 11, 12, 13, 19, 21, 23, 24, 25],
    constantOnly: true,
    infer: (n: IrNode) => { const v = value(n); return [{ shape: v.shape, dtype: v.dtype }]; },
    fold: (n: IrNode) => [value(n)],
    lower: notLowered,
  },
] satisfies Lowering[];
