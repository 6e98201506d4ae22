/**
 * ArgMax (first index of the maximum, select_last_index 0): folded on constants; at run time ARG_MAX on a
 * float32 or integer tensor (int32 in the .tflite), the int64 indices written int32 (emit.ts tensorType). CLIP's
 * text model takes the end-of-text position as the ArgMax of ids == eos. TFLite keeps the first of equal values
 * too. keepdims 1 is ARG_MAX then a RESHAPE restoring the size-1 axis.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { isRunTimeIntType } from '../../onnx/tensor.js';
import type { EmitContext } from '../emit.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { permute } from '../layout.js';
import { constOf, strides } from '../lower-util.js';
import { TensorType } from '../tflite/schema.js';


function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis', 'keepdims', 'select_last_index']);
  // TFLite's ARG_MAX returns the first of equal maxima
  if (attrInt(n, 'select_last_index', 0) !== 0) refuse('attr-unsupported', { attr: 'select_last_index', value: attrInt(n, 'select_last_index', 0), supported: '0' });
  const shape = ctx.shape(n.inputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', 0), shape.length);
  const keep = attrInt(n, 'keepdims', 1) !== 0;
  const out = keep ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
  return { shape, axis, keep, out };
}

function infer(n: IrNode, ctx: InferContext) {
  const dtype = ctx.dtype(n.inputs[0]!);
  if (!(dtype === OnnxDataType.FLOAT || isRunTimeIntType(dtype))) refuse('dtype-unsupported', { value: n.inputs[0]!, dtype, role: 'input', expected: 'float32, int32 and int64' });
  return [{ shape: plan(n, ctx).out, dtype: OnnxDataType.INT64 }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const { shape, axis, out } = plan(n, ctx);
  const st = strides(shape)[axis]!;
  const len = shape[axis]!;
  const outer = c.data.length / (len * st);
  const result: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < st; k++) {
      let best = 0;
      for (let j = 1; j < len; j++) if (c.data[(o * len + j) * st + k]! > c.data[(o * len + best) * st + k]!) best = j;
      result.push(best);
    }
  }
  return [constOf(OnnxDataType.INT64, out, result)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { shape, axis, keep } = plan(n, ctx);
  const src = ctx.primary(n.inputs[0]!);
  // the reduced layout: the input's, without the axis
  const reduced = src.perm.filter((a) => a !== axis).map((a) => (a > axis ? a - 1 : a));
  const ax = ctx.g.addInt32Const(`${ctx.node(n)}_axis`, [1], [src.perm.indexOf(axis)]);
  const options = { table: 'ArgMaxOptions' as const, values: { output_type: TensorType.INT32 } };
  if (!keep) {
    ctx.op('ARG_MAX', [src.tensor, ax], [ctx.output(n.outputs[0]!, reduced)], options);
    return;
  }
  const phys = permute(shape.filter((_, i) => i !== axis), reduced);
  const t = ctx.newTensor(`${ctx.node(n)}_reduced`, phys, 'INT32');
  ctx.op('ARG_MAX', [src.tensor, ax], [t], options);
  const out = ctx.output(n.outputs[0]!, src.perm);
  const outPhys = ctx.g.tensors[out]!.shape;
  ctx.op('RESHAPE', [t, ctx.int32Const(`${n.outputs[0]}_shape`, outPhys)], [out], { table: 'ReshapeOptions', values: { new_shape: outPhys } });
}

export default [{ op: 'ArgMax', versions: [1, 11, 12, 13], infer, fold, lower }] satisfies Lowering[];
