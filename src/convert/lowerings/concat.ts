/** Concat -> CONCATENATION along the physical position of the logical axis. */
import type { EmitContext } from '../emit.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const ins = n.inputs.filter((i) => i);
  if (!ins.length) refuse('no-inputs');
  const shapes = ins.map((i) => ctx.shape(i));
  const r = shapes[0]!.length;
  const axis = normAxis(attrInt(n, 'axis', 0), r);
  const out = [...shapes[0]!];
  out[axis] = 0;
  for (const s of shapes) {
    if (s.length !== r || s.some((d, i) => i !== axis && d !== out[i])) refuse('inputs-mismatch', { shapes, axis });
    out[axis] += s[axis]!;
  }
  return [{ shape: out, dtype: ctx.dtype(ins[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const ins = n.inputs.filter((i) => i).map((i) => ctx.const(i));
  if (ins.some((c) => !c)) return undefined;
  const cs = ins as NonNullable<(typeof ins)[number]>[];
  const shape = infer(n, ctx)[0]!.shape;
  const axis = normAxis(attrInt(n, 'axis', 0), shape.length);
  const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const c of cs) {
      const block = strides(c.shape)[axis]! * c.shape[axis]!;
      for (let k = 0; k < block; k++) out.push(c.data[o * block + k]!);
    }
  }
  return [constOf(cs[0]!.dtype, shape, out)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const ins = n.inputs.filter((i) => i);
  const outShape = ctx.shape(n.outputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', 0), outShape.length);
  const perm = ctx.commonPerm(ins, outShape.length);
  const tensors = ins.map((i) => ctx.getAs(i, perm));
  const out = ctx.output(n.outputs[0]!, perm);
  ctx.op('CONCATENATION', tensors, [out], { table: 'ConcatenationOptions', values: { axis: perm.indexOf(axis) } });
}

export default [{ op: 'Concat', versions: [4, 11, 13], infer, fold, lower }] satisfies Lowering[];
