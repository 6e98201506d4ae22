/**
 * LayerNormalization-17 as its definition in TFLite ops, over the physical positions of the
 * normalised axes: MEAN, SUB, MUL (square), MEAN, ADD epsilon, RSQRT, MUL, then MUL scale, ADD bias.
 * The optional Mean and InvStdDev outputs are the MEAN and RSQRT results.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, consumers, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, requireFloat } from '../lower-util.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape'>) {
  onlyAttrs(n, ['axis', 'epsilon', 'stash_type']);
  const x = ctx.shape(n.inputs[0]!);
  const axis = normAxis(attrInt(n, 'axis', -1), x.length);
  if (attrInt(n, 'stash_type', 1) !== 1) refuse('stash_type other than float32 is not supported');
  for (const i of [1, 2]) {
    const p = n.inputs[i];
    if (p && broadcastShapes(ctx.shape(p), x).join() !== x.join()) refuse(`input ${i} of shape [${ctx.shape(p)}] does not broadcast to [${x}]`);
  }
  const axes = Array.from({ length: x.length - axis }, (_, k) => axis + k);
  return { x, axis, axes, epsilon: attrFloat(n, 'epsilon', 1e-5) };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { x, axis } = plan(n, ctx);
  const stat = x.map((d, i) => (i < axis ? d : 1));
  return [{ shape: x, dtype: OnnxDataType.FLOAT }, { shape: stat, dtype: OnnxDataType.FLOAT }, { shape: stat, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { x, axes, epsilon } = plan(n, ctx);
  const name = ctx.node(n);
  const r = x.length;
  const src = ctx.primary(n.inputs[0]!);
  const phys = ctx.g.tensors[src.tensor]!.shape;
  const physAxes = axes.map((a) => src.perm.indexOf(a)).sort((p, q) => p - q);
  const statPhys = phys.map((d, i) => (physAxes.includes(i) ? 1 : d));
  const axesT = ctx.int32Const(`${name}_axes`, physAxes);
  const keep = { table: 'ReducerOptions', values: { keep_dims: true } } as const;
  const noAct = (table: 'SubOptions' | 'MulOptions' | 'AddOptions') => ({ table, values: { fused_activation_function: 0 } });
  // the Mean / InvStdDev outputs are the statistics themselves (x's layout, normalised axes of size 1)
  const used = (o: string | undefined): o is string => !!o && (consumers(ctx.ir, o).length > 0 || ctx.ir.outputs.includes(o));
  const mean = used(n.outputs[1]) ? ctx.output(n.outputs[1], src.perm) : ctx.newTensor(`${name}_mean`, statPhys);
  ctx.op('MEAN', [src.tensor, axesT], [mean], keep);
  const centred = ctx.newTensor(`${name}_centred`, phys);
  ctx.op('SUB', [src.tensor, mean], [centred], noAct('SubOptions'));
  const sq = ctx.newTensor(`${name}_square`, phys);
  ctx.op('MUL', [centred, centred], [sq], noAct('MulOptions'));
  const variance = ctx.newTensor(`${name}_variance`, statPhys);
  ctx.op('MEAN', [sq, axesT], [variance], keep);
  const shifted = ctx.newTensor(`${name}_variance_eps`, statPhys);
  ctx.op('ADD', [variance, ctx.floatConst(`${name}_epsilon`, [1], [epsilon])], [shifted], noAct('AddOptions'));
  const inv = used(n.outputs[2]) ? ctx.output(n.outputs[2], src.perm) : ctx.newTensor(`${name}_inv_std`, statPhys);
  ctx.op('RSQRT', [shifted], [inv]);
  const operand = (i: number): number | undefined => {
    const p = n.inputs[i];
    if (!p) return undefined;
    return ctx.isConst(p) ? ctx.broadcastConst(p, r, src.perm) : ctx.getBroadcast(p, r, src.perm);
  };
  const scale = operand(1);
  const bias = operand(2);
  const out = ctx.output(n.outputs[0]!, src.perm);
  const normed = scale !== undefined || bias !== undefined ? ctx.newTensor(`${name}_normed`, phys) : out;
  ctx.op('MUL', [centred, inv], [normed], noAct('MulOptions'));
  if (scale === undefined && bias === undefined) return;
  const scaled = bias !== undefined && scale !== undefined ? ctx.newTensor(`${name}_scaled`, phys) : out;
  if (scale !== undefined) ctx.op('MUL', [normed, scale], [scaled], noAct('MulOptions'));
  if (bias !== undefined) ctx.op('ADD', [scale !== undefined ? scaled : normed, bias], [out], noAct('AddOptions'));
}

export default [{ op: 'LayerNormalization', versions: [17], infer, lower }] satisfies Lowering[];
