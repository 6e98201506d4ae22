/** Conv (2-D) -> CONV_2D / DEPTHWISE_CONV_2D, with exact PyTorch padding and fused activation. */
import { transposeData, NHWC } from '../layout.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { Lowering, InferContext } from '../lowering.js';
import { choosePadding, fusedAct, outSize, requireFloat, spatialAttrs } from '../lower-util.js';
import type { EmitContext } from '../emit.js';
import { Padding } from '../tflite/schema.js';

function attrs(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const x = ctx.shape(n.inputs[0]!);
  const w = ctx.needConst(n, 1, 'weights');
  if (x.length !== 4 || w.shape.length !== 4) refuse(`only 2-D convolution (4-D input) is supported, got a ${x.length}-D input`);
  const group = attrInt(n, 'group', 1);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const kernel = attrInts(n, 'kernel_shape') ?? [kh, kw];
  if (kernel[0] !== kh || kernel[1] !== kw) refuse(`kernel_shape [${kernel}] does not match the weights`);
  if (group < 1 || x[1]! !== cinPerGroup * group || cout % group !== 0) refuse(`group ${group} does not match channels (${x[1]} in, weights ${w.shape})`);
  const sp = spatialAttrs(n, [x[2]!, x[3]!], [kh, kw], { ints: (k) => attrInts(n, k), str: (k, d) => attrString(n, k, d) });
  if (n.inputs[2]) {
    const b = ctx.needConst(n, 2, 'bias');
    if (b.data.length !== cout) refuse('bias length does not match output channels');
  }
  return { x, w, group, cout, cinPerGroup, kh, kw, sp };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { x, cout, sp } = attrs(n, ctx);
  const oh = outSize(x[2]!, sp.kernel[0]!, sp.strides[0]!, sp.dilations[0]!, sp.pads[0]!, sp.pads[2]!);
  const ow = outSize(x[3]!, sp.kernel[1]!, sp.strides[1]!, sp.dilations[1]!, sp.pads[1]!, sp.pads[3]!);
  if (oh < 1 || ow < 1) refuse('output would be empty');
  return [{ shape: [x[0]!, cout, oh, ow], dtype: ctx.dtype(n.inputs[0]!) }];
}

/** Adds an explicit PAD (NHWC) when SAME/VALID cannot express the ONNX pads. Returns the input tensor and padding mode. */
export function padInput(ctx: EmitContext, name: string, x: number, pads: number[], inPhys: number[], value?: number): number {
  const [t, l, b, r] = pads as [number, number, number, number];
  const phys = [inPhys[0]!, inPhys[1]! + t + b, inPhys[2]! + l + r, inPhys[3]!];
  const out = ctx.newTensor(`${name}_pad`, phys);
  const paddings = ctx.g.addInt32Const(`${name}_paddings`, [4, 2], [0, 0, t, b, l, r, 0, 0]);
  if (value === undefined || value === 0) ctx.op('PAD', [x, paddings], [out], { table: 'PadOptions', values: {} });
  else ctx.op('PADV2', [x, paddings, ctx.floatConst(`${name}_padvalue`, [], [value])], [out], { table: 'PadV2Options', values: {} });
  return out;
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = ctx.shape(n.inputs[0]!);
  const w = ctx.constOf(n.inputs[1]!)!;
  const group = attrInt(n, 'group', 1);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const sp = spatialAttrs(n, [x[2]!, x[3]!], [kh, kw], { ints: (k) => attrInts(n, k), str: (k, d) => attrString(n, k, d) });
  const choice = choosePadding([x[2]!, x[3]!], sp);
  const name = ctx.node(n);
  let input = ctx.getAs(n.inputs[0]!, NHWC);
  if (choice.mode === 'EXPLICIT') input = padInput(ctx, name, input, choice.pads, [x[0]!, x[2]!, x[3]!, x[1]!]);
  const padding = choice.mode === 'SAME' ? Padding.SAME : Padding.VALID;
  const bias = n.inputs[2] ? ctx.constOf(n.inputs[2])!.data : new Float32Array(cout);
  const biasT = ctx.floatConst(`${name}_bias`, [cout], bias);
  const out = ctx.output(n.outputs[0]!, NHWC);
  const cin = x[1]!;
  if (group === cin && cinPerGroup === 1 && group > 1) {
    // depthwise: output channel o reads input channel floor(o / multiplier), as in TFLite
    const filter = ctx.floatConst(`${name}_filter`, [1, kh, kw, cout], transposeData(w.data, w.shape, [1, 2, 3, 0]));
    ctx.op('DEPTHWISE_CONV_2D', [input, filter, biasT], [out], {
      table: 'DepthwiseConv2DOptions',
      values: { padding, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!, depth_multiplier: cout / cin,
        fused_activation_function: fusedAct(n), dilation_w_factor: sp.dilations[1]!, dilation_h_factor: sp.dilations[0]! },
    });
    return;
  }
  // regular and grouped: filter OHWI with I = C / groups (TFLite infers groups from the filter depth)
  const filter = ctx.floatConst(`${name}_filter`, [cout, kh, kw, cinPerGroup], transposeData(w.data, w.shape, [0, 2, 3, 1]));
  ctx.op('CONV_2D', [input, filter, biasT], [out], {
    table: 'Conv2DOptions',
    values: { padding, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!, fused_activation_function: fusedAct(n),
      dilation_w_factor: sp.dilations[1]!, dilation_h_factor: sp.dilations[0]! },
  });
}

export default [{ op: 'Conv', versions: [1, 11, 22], infer, lower }] satisfies Lowering[];
