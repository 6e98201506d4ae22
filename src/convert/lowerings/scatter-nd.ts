/**
 * ScatterND: folded on constants (Swin's shifted-window attention mask is built from constants). On
 * run-time data with constant indices and updates it is exact elementwise work on the data: reduction
 * none one SELECT_V2 of a constant mask; add/mul/max/min one ADD/MUL/MAXIMUM/MINIMUM per round of
 * duplicate targets, against a constant holding the neutral element (0, 1, -inf, +inf) elsewhere, so
 * every element sees the same sequence of operations as in ONNX's definition.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { ConstTensor } from '../../onnx/tensor.js';
import type { EmitContext } from '../emit.js';
import { attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, requireFloat, strides } from '../lower-util.js';
import type { TypedOptions } from '../tflite/schema.js';

const COMBINE: Record<string, (a: number, b: number) => number> = {
  none: (_a, b) => b, add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min,
};

/** Each update's flat target offset in the data (inner elements follow), checked against ONNX's rules. */
function targets(n: IrNode, shape: number[], ix: ConstTensor, updates: number) {
  onlyAttrs(n, n.since >= 16 ? ['reduction'] : []);
  const reduction = attrString(n, 'reduction', 'none');
  if (!COMBINE[reduction]) refuse('attr-unsupported', { attr: 'reduction', value: reduction });
  if ((reduction === 'max' || reduction === 'min') && n.since < 18) refuse('attr-version', { attr: 'reduction', value: reduction, since: 18 });
  const k = ix.shape[ix.shape.length - 1]!;
  if (k > shape.length) refuse('indices-mismatch', { indices: ix.shape, data: shape });
  const st = strides(shape);
  const inner = shape.slice(k).reduce((p, v) => p * v, 1);
  const count = ix.data.length / Math.max(k, 1);
  if (updates !== count * inner) refuse('count-mismatch', { what: 'updates', count: updates, expected: count * inner, basis: 'indices' });
  const seen = new Set<number>();
  const bases: number[] = [];
  for (let t = 0; t < count; t++) {
    let base = 0;
    for (let j = 0; j < k; j++) {
      const dim = shape[j]!;
      const v = ix.data[t * k + j]!;
      const w = v < 0 ? v + dim : v;
      if (w < 0 || w >= dim) refuse('index-out-of-range', { index: v, size: dim });
      base += w * st[j]!;
    }
    // duplicate targets with reduction none are undefined in ONNX: refuse rather than pick one
    if (reduction === 'none' && seen.has(base)) refuse('duplicate-indices');
    seen.add(base);
    bases.push(base);
  }
  return { reduction, combine: COMBINE[reduction]!, inner, bases };
}

function fold(n: IrNode, ctx: InferContext) {
  const [d, ix, up] = [0, 1, 2].map((i) => ctx.const(n.inputs[i]!));
  if (!d || !ix || !up) return undefined;
  const { combine, inner, bases } = targets(n, d.shape, ix, up.data.length);
  const out = Array.from(d.data);
  bases.forEach((base, t) => {
    for (let e = 0; e < inner; e++) out[base + e] = combine(out[base + e]!, up.data[t * inner + e]!);
  });
  return [constOf(d.dtype, d.shape, out)];
}

function infer(n: IrNode, ctx: InferContext) {
  const data = n.inputs[0]!;
  if (!ctx.const(data)) requireFloat(ctx, data);
  const ix = ctx.const(n.inputs[1]!);
  const up = ctx.const(n.inputs[2]!);
  if (!ix) refuse('const-input-required', { input: 'indices', index: 1 });
  if (!up) refuse('const-input-required', { input: 'updates', index: 2 });
  targets(n, ctx.shape(data), ix, up.data.length);
  return [{ shape: ctx.shape(data), dtype: OnnxDataType.FLOAT }];
}

const NEUTRAL: Record<string, number> = { add: 0, mul: 1, max: -Infinity, min: Infinity };
const TF_OP = { add: ['ADD', 'AddOptions'], mul: ['MUL', 'MulOptions'], max: ['MAXIMUM', 'MaximumMinimumOptions'], min: ['MINIMUM', 'MaximumMinimumOptions'] } as const;

function lower(n: IrNode, ctx: EmitContext) {
  const data = n.inputs[0]!;
  const shape = ctx.shape(data);
  const up = ctx.constOf(n.inputs[2]!)!;
  const { reduction, inner, bases } = targets(n, shape, ctx.constOf(n.inputs[1]!)!, up.data.length);
  const size = shape.reduce((p, v) => p * v, 1);
  const name = ctx.node(n);
  const src = ctx.primary(data);
  // constants are built in logical order and laid out like the data's tensor
  const constIn = (label: string, dtype: number, values: number[]): number => {
    const alias = `${name}__${label}`;
    ctx.ir.values.set(alias, { name: alias, dtype, shape, const: constOf(dtype, shape, values) });
    return ctx.constTensor(alias, src.perm);
  };
  if (reduction === 'none') {
    const mask = new Array<number>(size).fill(0);
    const values = new Array<number>(size).fill(0);
    bases.forEach((base, t) => {
      for (let e = 0; e < inner; e++) { mask[base + e] = 1; values[base + e] = up.data[t * inner + e]!; }
    });
    const out = ctx.output(n.outputs[0]!, src.perm);
    ctx.op('SELECT_V2', [constIn('mask', OnnxDataType.BOOL, mask), constIn('values', OnnxDataType.FLOAT, values), src.tensor], [out]);
    return;
  }
  // round r holds the r-th update of every target, in ONNX's order
  const rounds: number[][] = [];
  const seen = new Map<number, number>();
  bases.forEach((base, t) => {
    const r = seen.get(base) ?? 0;
    seen.set(base, r + 1);
    rounds[r] ??= new Array<number>(size).fill(NEUTRAL[reduction]!);
    for (let e = 0; e < inner; e++) rounds[r]![base + e] = up.data[t * inner + e]!;
  });
  const [tfOp, table] = TF_OP[reduction as keyof typeof TF_OP];
  let acc = src.tensor;
  rounds.forEach((round, r) => {
    const operand = constIn(`round${r}`, OnnxDataType.FLOAT, round);
    const out = r === rounds.length - 1 ? ctx.output(n.outputs[0]!, src.perm) : ctx.newTensor(`${name}_round${r}`, ctx.g.tensors[src.tensor]!.shape);
    const values = table === 'MaximumMinimumOptions' ? {} : { fused_activation_function: 0 };
    ctx.op(tfOp, [acc, operand], [out], { table, values } as TypedOptions);
    acc = out;
  });
  if (rounds.length === 0) ctx.define(n.outputs[0]!, src.tensor, src.perm);
}

export default [{ op: 'ScatterND', versions: [11, 13, 16, 18], fold, infer, lower }] satisfies Lowering[];
