/** Pad (constant mode, constant pads) -> PAD / PADV2 with paddings on physical axes. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInts, attrString, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): { pads: [number, number][]; value: number } {
  const x = ctx.shape(n.inputs[0]!);
  const r = x.length;
  const mode = attrString(n, 'mode', 'constant');
  if (mode !== 'constant') refuse('attr-unsupported', { attr: 'mode', value: mode, supported: 'constant' });
  let raw: number[];
  let value = 0;
  let axes = Array.from({ length: r }, (_, i) => i);
  if (n.since < 11) {
    onlyAttrs(n, ['mode', 'pads', 'value', 'paddings']);
    raw = attrInts(n, 'pads') ?? attrInts(n, 'paddings') ?? refuse('attr-missing', { attr: 'pads' });
    value = attrFloat(n, 'value', 0);
  } else {
    onlyAttrs(n, ['mode']);
    const c = ctx.const(n.inputs[1]!);
    if (!c) refuse('const-input-required', { input: 'pads', index: 1 });
    raw = Array.from(c.data);
    if (n.inputs[2]) {
      const v = ctx.const(n.inputs[2]);
      if (!v) refuse('const-input-required', { input: 'constant_value', index: 2 });
      value = v.data[0] ?? 0;
    }
    if (n.inputs[3]) {
      const a = ctx.const(n.inputs[3]);
      if (!a) refuse('const-input-required', { input: 'axes', index: 3 });
      axes = Array.from(a.data, (v) => normAxis(v, r));
    }
  }
  if (raw.length !== 2 * axes.length) refuse('count-mismatch', { what: 'pads', count: raw.length, expected: 2 * axes.length, basis: 'axes-pairs' });
  const pads: [number, number][] = x.map(() => [0, 0]);
  axes.forEach((a, k) => (pads[a] = [raw[k]!, raw[k + axes.length]!]));
  if (pads.some(([b, e]) => b < 0 || e < 0)) refuse('negative-pads', { pads: raw });
  return { pads, value };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { pads } = plan(n, ctx);
  return [{ shape: ctx.shape(n.inputs[0]!).map((d, i) => d + pads[i]![0] + pads[i]![1]), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { pads, value } = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const src = ctx.primary(n.inputs[0]!);
  const name = ctx.node(n);
  const paddings = ctx.g.addInt32Const(`${name}_paddings`, [pads.length, 2], src.perm.flatMap((a) => pads[a]!));
  const out = ctx.output(n.outputs[0]!, src.perm);
  if (value === 0) ctx.op('PAD', [src.tensor, paddings], [out], { table: 'PadOptions', values: {} });
  else ctx.op('PADV2', [src.tensor, paddings, ctx.floatConst(`${name}_value`, [], [value])], [out], { table: 'PadV2Options', values: {} });
}

export default [{ op: 'Pad', versions: [2, 11, 13, 18, 19, 21, 23, 24, 25], infer, lower }] satisfies Lowering[];
