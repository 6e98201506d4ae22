/**
 * Conv (2-D, and 1-D as 2-D over [N, C, 1, L]) -> CONV_2D / DEPTHWISE_CONV_2D, with exact PyTorch
 * padding and fused activation.
 */
import { transposeData, NHWC } from '../layout.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { Lowering, InferContext } from '../lowering.js';
import { fusedAct, lowerReshape, requireFloat } from '../lower-util.js';
import { choosePadding, outSize, spatialAttrs } from '../geometry.js';
import { onlyOneDReaders, padInput, reshapeAlias } from '../spatial.js';
import type { EmitContext } from '../emit.js';
import { Padding } from '../tflite/schema.js';

/** Conv attributes normalised to 2-D: a 1-D conv is a 2-D conv over [N, C, 1, L]. */
function attrs(n: IrNode, ctx: Pick<InferContext, 'shape' | 'needConst'>) {
  onlyAttrs(n, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const x0 = ctx.shape(n.inputs[0]!);
  const w0 = ctx.needConst(n, 1, 'weights');
  const oneD = x0.length === 3;
  if (x0.length !== 4 && !oneD) refuse('spatial-rank', { rank: x0.length });
  if (w0.shape.length !== x0.length) refuse('rank-unsupported', { operand: n.inputs[1]!, rank: w0.shape.length, min: x0.length, max: x0.length });
  const x = oneD ? [x0[0]!, x0[1]!, 1, x0[2]!] : x0;
  const w = oneD ? { ...w0, shape: [w0.shape[0]!, w0.shape[1]!, 1, w0.shape[2]!] } : w0;
  const group = attrInt(n, 'group', 1);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const kernel = attrInts(n, 'kernel_shape') ?? w0.shape.slice(2);
  if (kernel.some((k, i) => k !== w0.shape[2 + i])) refuse('kernel-shape-mismatch', { kernel, weights: w0.shape });
  if (group < 1 || x[1]! !== cinPerGroup * group || cout % group !== 0) refuse('group-mismatch', { group, channels: x[1]!, weights: w.shape });
  const get = { ints: (k: string) => attrInts(n, k), str: (k: string, d: string) => attrString(n, k, d) };
  let sp = spatialAttrs(x0.slice(2), w0.shape.slice(2), get);
  if (oneD) {
    sp = { kernel: [1, kw], strides: [1, sp.strides[0]!], dilations: [1, sp.dilations[0]!], pads: [0, sp.pads[0]!, 0, sp.pads[1]!] };
  }
  if (n.inputs[2]) {
    const b = ctx.needConst(n, 2, 'bias');
    if (b.data.length !== cout) refuse('count-mismatch', { what: 'bias', count: b.data.length, expected: cout, basis: 'output-channels' });
  }
  return { oneD, x, w, group, cout, cinPerGroup, kh, kw, sp };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { oneD, x, cout, sp } = attrs(n, ctx);
  const oh = outSize(x[2]!, sp.kernel[0]!, sp.strides[0]!, sp.dilations[0]!, sp.pads[0]!, sp.pads[2]!);
  const ow = outSize(x[3]!, sp.kernel[1]!, sp.strides[1]!, sp.dilations[1]!, sp.pads[1]!, sp.pads[3]!);
  if (oh < 1 || ow < 1) refuse('empty-output');
  return [{ shape: oneD ? [x[0]!, cout, ow] : [x[0]!, cout, oh, ow], dtype: ctx.dtype(n.inputs[0]!) }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { oneD, x, w, group, cout, cinPerGroup, kh, kw, sp } = attrs(n, {
    shape: (s) => ctx.shape(s),
    needConst: (node, i) => ctx.constOf(node.inputs[i]!)!,
  });
  const choice = choosePadding([x[2]!, x[3]!], sp);
  const name = ctx.node(n);
  const xName = oneD ? reshapeAlias(ctx, n.inputs[0]!, `${n.inputs[0]!}__as2d`, x) : n.inputs[0]!;
  const yName = oneD ? `${n.outputs[0]!}__2d` : n.outputs[0]!;
  if (oneD) {
    const y = ctx.shape(n.outputs[0]!);
    ctx.ir.values.set(yName, { name: yName, dtype: ctx.value(n.outputs[0]!).dtype, shape: [y[0]!, y[1]!, 1, y[2]!] });
  }
  let input = ctx.getAs(xName, NHWC);
  if (choice.mode === 'EXPLICIT') input = padInput(ctx, name, input, choice.pads, [x[0]!, x[2]!, x[3]!, x[1]!]);
  const padding = choice.mode === 'SAME' ? Padding.SAME : Padding.VALID;
  const bias = n.inputs[2] ? ctx.constOf(n.inputs[2])!.data : new Float32Array(cout);
  const biasT = ctx.floatConst(`${name}_bias`, [cout], bias);
  const out = ctx.output(yName, NHWC);
  const cin = x[1]!;
  // a 1-D conv's [N, O, 1, L] result becomes the [N, O, L] output (a layout-keeping RESHAPE)
  const y3 = n.outputs[0]!;
  const finish = () => { if (oneD && !onlyOneDReaders(ctx, y3)) lowerReshape(ctx, yName, y3); };
  if (group === cin && cinPerGroup === 1 && group > 1) {
    // depthwise: output channel o reads input channel floor(o / multiplier), as in TFLite
    const filter = ctx.floatConst(`${name}_filter`, [1, kh, kw, cout], transposeData(w.data, w.shape, [1, 2, 3, 0]));
    ctx.op('DEPTHWISE_CONV_2D', [input, filter, biasT], [out], {
      table: 'DepthwiseConv2DOptions',
      values: { padding, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!, depth_multiplier: cout / cin,
        fused_activation_function: fusedAct(n), dilation_w_factor: sp.dilations[1]!, dilation_h_factor: sp.dilations[0]! },
    });
    finish();
    return;
  }
  // regular and grouped: filter OHWI with I = C / groups (TFLite infers groups from the filter depth)
  const filter = ctx.floatConst(`${name}_filter`, [cout, kh, kw, cinPerGroup], transposeData(w.data, w.shape, [0, 2, 3, 1]));
  ctx.op('CONV_2D', [input, filter, biasT], [out], {
    table: 'Conv2DOptions',
    values: { padding, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!, fused_activation_function: fusedAct(n),
      dilation_w_factor: sp.dilations[1]!, dilation_h_factor: sp.dilations[0]! },
  });
  finish();
}

export default [{ op: 'Conv', versions: [1, 11, 22], infer, lower }] satisfies Lowering[];
