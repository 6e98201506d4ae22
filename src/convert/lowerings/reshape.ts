/**
 * Reshape (constant target shape) -> RESHAPE. In NHWC graphs a reshape that mixes axes in a different
 * memory order first transposes back to the logical order (layout.ts planReshape); a channel split
 * like the channel shuffle's stays a plain reshape.
 */
import type { EmitContext } from '../emit.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { lowerReshape } from '../lower-util.js';
import { elementCount } from '../../onnx/tensor.js';

export function reshapeTarget(x: number[], spec: number[], allowZero: boolean): number[] {
  const out = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.length) refuse('reshape-invalid', { from: x, to: spec });
      return x[i]!;
    }
    return d;
  });
  const total = elementCount(x);
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) refuse('reshape-invalid', { from: x, to: spec });
  if (out.some((d) => d < -1)) refuse('shape-invalid', { shape: spec });
  if (minus === 1) {
    const known = out.filter((d) => d !== -1).reduce((p, v) => p * v, 1);
    if (known === 0 || total % known !== 0) refuse('reshape-invalid', { from: x, to: spec });
    out[out.indexOf(-1)] = total / known;
  }
  if (out.reduce((p, v) => p * v, 1) !== total) refuse('reshape-invalid', { from: x, to: spec });
  return out;
}

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['allowzero']);
  const x = ctx.shape(n.inputs[0]!);
  const spec = ctx.needConst(n, 1, 'shape');
  const allowZero = attrInt(n, 'allowzero', 0) === 1;
  return [{ shape: reshapeTarget(x, Array.from(spec.data), allowZero), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c || !ctx.const(n.inputs[1]!)) return undefined;
  return [{ ...c, shape: infer(n, ctx)[0]!.shape }];
}

export default [
  { op: 'Reshape', versions: [5, 13, 14, 19, 21, 23, 24, 25], infer, fold, lower: (n: IrNode, ctx: EmitContext) => lowerReshape(ctx, n.inputs[0]!, n.outputs[0]!) },
] satisfies Lowering[];
