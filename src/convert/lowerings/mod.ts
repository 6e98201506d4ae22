/**
 * Mod: folded on constants (Swin's shifted-window mask arithmetic). At run time only float fmod=1
 * would reach TFLite, whose FLOOR_MOD takes the divisor's sign (fmod takes the dividend's): refused.
 */
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { broadcastBinary } from '../lower-util.js';
import { isFloatType } from '../../onnx/tensor.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['fmod']);
  const a = ctx.const(n.inputs[0]!);
  const b = ctx.const(n.inputs[1]!);
  if (!a || !b) return undefined;
  const fmod = attrInt(n, 'fmod', 0) === 1;
  if (!fmod && isFloatType(a.dtype)) refuse('fmod-float');
  return [broadcastBinary(a, b, (x, y) => {
    if (y === 0) {
      if (!fmod) refuse('modulo-by-zero');
      return NaN;
    }
    const r = x % y; // C fmod: the sign of the dividend
    return fmod || r === 0 || (r < 0) === (y < 0) ? r : r + y;
  })];
}

export default [{ op: 'Mod', versions: [10, 13], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];
