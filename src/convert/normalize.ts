/**
 * Normalisation over some axes as TFLite ops, shared by LayerNormalization and InstanceNormalization:
 * MEAN, SUB, MUL (square), MEAN, ADD epsilon, RSQRT, MUL, then MUL scale, ADD bias. The statistics
 * are reduced over the axes' physical positions, so the input keeps whatever layout it has.
 */
import type { EmitContext } from './emit.js';
import type { IrNode } from './ir.js';

export interface NormalizePlan {
  /** logical axes reduced over */
  axes: number[];
  epsilon: number;
  /** IR values broadcasting to the input's shape (constant or run-time), or undefined */
  scale?: string | undefined;
  bias?: string | undefined;
  /** IR values to write the mean and the inverse standard deviation to (LayerNormalization's outputs 1, 2) */
  meanOut?: string | undefined;
  invStdOut?: string | undefined;
}

export function lowerNormalize(n: IrNode, ctx: EmitContext, p: NormalizePlan): void {
  const name = ctx.node(n);
  const r = ctx.shape(n.inputs[0]!).length;
  const src = ctx.primary(n.inputs[0]!);
  const phys = ctx.g.tensors[src.tensor]!.shape;
  const physAxes = p.axes.map((a) => src.perm.indexOf(a)).sort((a, b) => a - b);
  const statPhys = phys.map((d, i) => (physAxes.includes(i) ? 1 : d));
  const axesT = ctx.int32Const(`${name}_axes`, physAxes);
  const keep = { table: 'ReducerOptions', values: { keep_dims: true } } as const;
  const noAct = (table: 'SubOptions' | 'MulOptions' | 'AddOptions') => ({ table, values: { fused_activation_function: 0 } });
  const mean = p.meanOut ? ctx.output(p.meanOut, src.perm) : ctx.newTensor(`${name}_mean`, statPhys);
  ctx.op('MEAN', [src.tensor, axesT], [mean], keep);
  const centred = ctx.newTensor(`${name}_centred`, phys);
  ctx.op('SUB', [src.tensor, mean], [centred], noAct('SubOptions'));
  const sq = ctx.newTensor(`${name}_square`, phys);
  ctx.op('MUL', [centred, centred], [sq], noAct('MulOptions'));
  const variance = ctx.newTensor(`${name}_variance`, statPhys);
  ctx.op('MEAN', [sq, axesT], [variance], keep);
  const shifted = ctx.newTensor(`${name}_variance_eps`, statPhys);
  ctx.op('ADD', [variance, ctx.floatConst(`${name}_epsilon`, [1], [p.epsilon])], [shifted], noAct('AddOptions'));
  const inv = p.invStdOut ? ctx.output(p.invStdOut, src.perm) : ctx.newTensor(`${name}_inv_std`, statPhys);
  ctx.op('RSQRT', [shifted], [inv]);
  const operand = (v: string | undefined): number | undefined => {
    if (!v) return undefined;
    return ctx.isConst(v) ? ctx.broadcastConst(v, r, src.perm) : ctx.getBroadcast(v, r, src.perm);
  };
  const scale = operand(p.scale);
  const bias = operand(p.bias);
  const out = ctx.output(n.outputs[0]!, src.perm);
  const normed = scale !== undefined || bias !== undefined ? ctx.newTensor(`${name}_normed`, phys) : out;
  ctx.op('MUL', [centred, inv], [normed], noAct('MulOptions'));
  if (scale === undefined && bias === undefined) return;
  const scaled = bias !== undefined && scale !== undefined ? ctx.newTensor(`${name}_scaled`, phys) : out;
  if (scale !== undefined) ctx.op('MUL', [normed, scale], [scaled], noAct('MulOptions'));
  if (bias !== undefined) ctx.op('ADD', [scale !== undefined ? scaled : normed, bias], [out], noAct('AddOptions'));
}
