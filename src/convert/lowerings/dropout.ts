/**
 * Dropout in inference form: the output is the input. Its mask output (all kept) is a constant
 * all-true (or, before opset 10, all-ones) tensor written by a RESHAPE so it is a computed output.
 * training_mode must be a constant; true is accepted only with a constant ratio 0 (then nothing is
 * dropped or rescaled); with any other ratio the result is random and is refused.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { elementCount } from '../../onnx/tensor.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { aliasFold, aliasLower } from '../alias.js';

function ratio(n: IrNode, ctx: InferContext): number {
  if (n.since < 12) return attrFloat(n, 'ratio', 0.5);
  if (!n.inputs[1]) return 0.5;
  const r = ctx.const(n.inputs[1]);
  if (!r) refuse('const-input-required', { input: 'ratio', index: 1 });
  return Number(r.data[0]);
}

function training(n: IrNode, ctx: InferContext): boolean {
  if (n.since < 7) return n.attrs.has('is_test') && attrInt(n, 'is_test', 1) !== 1;
  if (n.since < 12 || !n.inputs[2]) return false;
  const t = ctx.const(n.inputs[2]);
  if (!t) refuse('const-input-required', { input: 'training_mode', index: 2 });
  return Number(t.data[0]) !== 0;
}

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['ratio', 'is_test', 'seed']);
  // in inference the ratio is ignored (it may even be computed at run time)
  const r = training(n, ctx) ? ratio(n, ctx) : 0;
  if (r !== 0) refuse('dropout-random', { ratio: r });
  const shape = ctx.shape(n.inputs[0]!);
  const dtype = ctx.dtype(n.inputs[0]!);
  const out = [{ shape, dtype }];
  if (n.outputs[1]) out.push({ shape, dtype: n.since >= 10 ? OnnxDataType.BOOL : dtype });
  return out;
}

function lower(n: IrNode, ctx: EmitContext) {
  aliasLower(n, ctx);
  const mask = n.outputs[1];
  if (!mask) return;
  const shape = ctx.shape(mask);
  const count = elementCount(shape);
  const name = ctx.node(n);
  const ones = ctx.value(mask).dtype === OnnxDataType.BOOL
    ? ctx.g.addBoolConst(`${name}_kept`, shape, new Array<number>(count).fill(1))
    : ctx.floatConst(`${name}_kept`, shape, new Float32Array(count).fill(1));
  const out = ctx.output(mask, identity(shape.length));
  ctx.op('RESHAPE', [ones, ctx.int32Const(`${name}_mask_shape`, shape)], [out]);
}

export default [
  { op: 'Dropout', versions: [6, 7, 10, 12, 13, 22], infer, fold: (n: IrNode, ctx: InferContext) => (n.outputs[1] ? undefined : aliasFold(n, ctx)), lower },
] satisfies Lowering[];
