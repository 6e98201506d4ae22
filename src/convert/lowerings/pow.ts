/**
 * Pow with a float base: a constant scalar exponent 1 is the identity, 2 a MUL of x by itself,
 * 0.5 a SQRT, -0.5 an RSQRT; any other exponent POW (broadcasting; an integer constant exponent is
 * written as float). Folded on constants.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastBinary, broadcastShapes, intResult, requireFloat } from '../lower-util.js';
import { lowerBroadcast } from '../elementwise.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  requireFloat(ctx, a);
  if (!ctx.const(b)) requireFloat(ctx, b);
  return [{ shape: broadcastShapes(ctx.shape(a), ctx.shape(b)), dtype: OnnxDataType.FLOAT }];
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.const(n.inputs[0]!);
  const b = ctx.const(n.inputs[1]!);
  if (!a || !b) return undefined;
  return [broadcastBinary(a, b, (x, y) => intResult(a.dtype, x ** y))];
}

/** The exponent when it is one constant value and the output has the base's shape. */
function scalarExponent(n: IrNode, ctx: EmitContext): number | undefined {
  const b = ctx.constOf(n.inputs[1]!);
  if (!b || b.data.length !== 1) return undefined;
  const same = ctx.shape(n.outputs[0]!).join() === ctx.shape(n.inputs[0]!).join();
  return same ? b.data[0] : undefined;
}

function lower(n: IrNode, ctx: EmitContext) {
  const e = scalarExponent(n, ctx);
  const x = n.inputs[0]!;
  if (e === 1) {
    const src = ctx.primary(x);
    ctx.define(n.outputs[0]!, src.tensor, src.perm);
    return;
  }
  const unary = e === 0.5 ? 'SQRT' : e === -0.5 ? 'RSQRT' : undefined;
  if (e === 2 || unary) {
    const src = ctx.primary(x);
    const out = ctx.output(n.outputs[0]!, src.perm);
    if (unary) ctx.op(unary, [src.tensor], [out]);
    else ctx.op('MUL', [src.tensor, src.tensor], [out], { table: 'MulOptions', values: { fused_activation_function: 0 } });
    return;
  }
  lowerBroadcast(n, ctx, 'POW', 'PowOptions', [x, floatExponent(n.inputs[1]!, ctx)]);
}

/** An integer constant exponent as a float constant (ONNX allows any numeric exponent; POW takes float). */
function floatExponent(name: string, ctx: EmitContext): string {
  const c = ctx.constOf(name);
  if (!c || c.dtype === OnnxDataType.FLOAT || c.dtype === OnnxDataType.DOUBLE || c.dtype === OnnxDataType.FLOAT16) return name;
  for (const v of c.data) if (!(Math.abs(v) <= 2 ** 24)) refuse('inexact-exponent', { exponent: v });
  const alias = `${name}__float`;
  if (!ctx.ir.values.has(alias)) {
    ctx.ir.values.set(alias, { name: alias, dtype: OnnxDataType.FLOAT, shape: c.shape, const: { ...c, dtype: OnnxDataType.FLOAT, data: Float32Array.from(c.data, Number) } });
  }
  return alias;
}

export default [{ op: 'Pow', versions: [7, 12, 13, 15], infer, fold, lower }] satisfies Lowering[];
