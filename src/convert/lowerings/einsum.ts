/**
 * Einsum of the forms real models use: one operand whose output is a permutation of it (a layout
 * relabel, like Transpose), or two operands where every letter is a batch letter (both inputs and
 * the output), a free letter (one input and the output) or contracted (both inputs, not the output):
 * transposes by layout, RESHAPE to [batch, M, K] x [batch, K, N], BATCH_MATMUL (FULLY_CONNECTED when
 * the second operand is constant and there is no batch letter), RESHAPE back. Other forms are refused.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { inversePerm, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

interface Parsed {
  inputs: string[];
  output: string;
  size: Map<string, number>;
}

/** Splits the equation into per-operand letter strings; `...` becomes digits aligned from the right. */
function parse(n: IrNode, shapes: number[][]): Parsed {
  onlyAttrs(n, ['equation']);
  const eq = attrString(n, 'equation', '').replace(/\s+/g, '');
  if (!/^[A-Za-z.,]*(->[A-Za-z.]*)?$/.test(eq)) refuse('einsum-invalid', { equation: eq, problem: 'syntax' });
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) refuse('einsum-invalid', { equation: eq, problem: 'operand-count', operands: terms.length, inputs: shapes.length });
  const ellipsisRank = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? shapes[i]!.length - (t.length - 3) : 0)));
  const digits = Array.from({ length: ellipsisRank }, (_, i) => String(i));
  const expand = (t: string, rank: number): string => {
    if (!t.includes('...')) return t;
    const e = rank - (t.length - 3);
    if (e < 0) refuse('einsum-invalid', { equation: eq, problem: 'term-rank', term: t, operand: terms.indexOf(t), rank });
    return t.replace('...', digits.slice(ellipsisRank - e).join(''));
  };
  const inputs = terms.map((t, i) => expand(t, shapes[i]!.length));
  const size = new Map<string, number>();
  inputs.forEach((t, i) => {
    if (t.length !== shapes[i]!.length) refuse('einsum-invalid', { equation: eq, problem: 'term-rank', term: terms[i]!, operand: i, rank: shapes[i]!.length });
    if (new Set(t).size !== t.length) refuse('einsum-unsupported', { equation: eq, feature: 'diagonal', letters: terms[i]! });
    [...t].forEach((c, k) => {
      const d = shapes[i]![k]!;
      if (size.has(c) && size.get(c) !== d) refuse('einsum-unsupported', { equation: eq, feature: 'broadcast', letters: c, sizes: [size.get(c)!, d] });
      size.set(c, d);
    });
  });
  let output: string;
  if (rhs === undefined) {
    const all = inputs.join('');
    output = digits.join('') + [...new Set(all)].filter((c) => !/\d/.test(c) && all.split(c).length === 2).sort().join('');
  } else output = expand(rhs, rhs.replace('...', '').length + ellipsisRank);
  if (new Set(output).size !== output.length || [...output].some((c) => !size.has(c))) refuse('einsum-unsupported', { equation: eq, feature: 'output', letters: rhs ?? output });
  return { inputs, output, size };
}

interface Plan extends Parsed {
  batch: string[];
  freeA: string[];
  freeB: string[];
  contracted: string[];
}

function plan(n: IrNode, ctx: Pick<InferContext, 'shape'>): Plan {
  const names = n.inputs.filter((i) => i);
  const p = parse(n, names.map((i) => ctx.shape(i)));
  if (p.inputs.length === 1) {
    if (p.output.length !== p.inputs[0]!.length) refuse('einsum-unsupported', { equation: attrString(n, 'equation', ''), feature: 'one-operand-sum' });
    return { ...p, batch: [], freeA: [...p.inputs[0]!], freeB: [], contracted: [] };
  }
  if (p.inputs.length !== 2) refuse('einsum-unsupported', { equation: attrString(n, 'equation', ''), feature: 'operands' });
  const [a, b] = p.inputs as [string, string];
  const batch = [...p.output].filter((c) => a.includes(c) && b.includes(c));
  const freeA = [...a].filter((c) => p.output.includes(c) && !b.includes(c));
  const freeB = [...b].filter((c) => p.output.includes(c) && !a.includes(c));
  const contracted = [...a].filter((c) => b.includes(c) && !p.output.includes(c));
  const summed = [...a, ...b].filter((c) => !p.output.includes(c) && !contracted.includes(c));
  if (summed.length) refuse('einsum-unsupported', { equation: attrString(n, 'equation', ''), feature: 'summed-within', letters: [...new Set(summed)].join('') });
  return { ...p, batch, freeA, freeB, contracted };
}

function infer(n: IrNode, ctx: InferContext) {
  for (const i of n.inputs.filter((x) => x)) if (!ctx.const(i)) requireFloat(ctx, i);
  const p = plan(n, ctx);
  return [{ shape: [...p.output].map((c) => p.size.get(c)!), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, ctx);
  const name = ctx.node(n);
  const out = n.outputs[0]!;
  const dims = (letters: string[]) => letters.map((c) => p.size.get(c)!);
  const prod = (letters: string[]) => dims(letters).reduce((x, y) => x * y, 1);
  const axesOf = (term: string, letters: string[]) => letters.map((c) => term.indexOf(c));
  if (p.inputs.length === 1) {
    // a pure permutation: relabel the layout, as Transpose does
    const src = ctx.primary(n.inputs[0]!);
    const perm = axesOf(p.inputs[0]!, [...p.output]);
    const inv = inversePerm(perm);
    ctx.define(out, src.tensor, src.perm.map((a) => inv[a]!));
    return;
  }
  const [ta, tb] = p.inputs as [string, string];
  const [aName, bName] = n.inputs.filter((i) => i) as [string, string];
  /** physical result order: batch, free of A, free of B; the output is that tensor in a relabelled layout */
  const order = [...p.batch, ...p.freeA, ...p.freeB];
  const outPerm = order.map((c) => p.output.indexOf(c));
  const reshaped = (t: number, phys: number[], want: number[], what: string): number => {
    if (phys.join() === want.join()) return t;
    const r = ctx.newTensor(`${name}_${what}`, want);
    ctx.op('RESHAPE', [t, ctx.int32Const(`${name}_${what}_shape`, want)], [r], { table: 'ReshapeOptions', values: { new_shape: want } });
    return r;
  };
  const [m, k, nn] = [prod(p.freeA), prod(p.contracted), prod(p.freeB)];
  const aPerm = axesOf(ta, [...p.batch, ...p.freeA, ...p.contracted]);
  const aView = ctx.getAs(aName, aPerm);
  const bConst = ctx.constOf(bName);
  let result: number;
  let resultShape: number[];
  if (bConst && p.batch.length === 0) {
    const aIn = reshaped(aView, dims([...p.freeA, ...p.contracted]), [m, k], 'lhs');
    const w = transposeData(bConst.data, bConst.shape, axesOf(tb, [...p.freeB, ...p.contracted]));
    resultShape = [m, nn];
    result = ctx.newTensor(`${name}_product`, resultShape);
    ctx.op('FULLY_CONNECTED', [aIn, ctx.floatConst(`${name}_weights`, [nn, k], w), -1], [result], {
      table: 'FullyConnectedOptions', values: { fused_activation_function: 0, keep_num_dims: false },
    });
  } else {
    // BATCH_MATMUL takes rank <= 5: more than three batch letters are merged into one batch axis
    const bt = p.batch.length > 3 ? [prod(p.batch)] : dims(p.batch);
    const aIn = reshaped(aView, dims([...p.batch, ...p.freeA, ...p.contracted]), [...bt, m, k], 'lhs');
    const bView = ctx.getAs(bName, axesOf(tb, [...p.batch, ...p.contracted, ...p.freeB]));
    const bIn = reshaped(bView, dims([...p.batch, ...p.contracted, ...p.freeB]), [...bt, k, nn], 'rhs');
    resultShape = [...bt, m, nn];
    result = ctx.newTensor(`${name}_product`, resultShape);
    ctx.op('BATCH_MATMUL', [aIn, bIn], [result], { table: 'BatchMatMulOptions', values: { adj_x: false, adj_y: false } });
  }
  const final = dims(order);
  if (final.join() === resultShape.join()) {
    ctx.define(out, result, outPerm);
    return;
  }
  const t = ctx.output(out, outPerm);
  ctx.op('RESHAPE', [result, ctx.int32Const(`${name}_out_shape`, final)], [t], { table: 'ReshapeOptions', values: { new_shape: final } });
}

export default [{ op: 'Einsum', versions: [12], infer, lower }] satisfies Lowering[];
