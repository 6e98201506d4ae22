/**
 * AveragePool (2-D; 1-D as 2-D over [N, C, 1, L]) -> AVERAGE_POOL_2D. TFLite's SAME averaging excludes padding from the count, so
 * SAME is used only with count_include_pad=0; count_include_pad=1 pads explicitly with zeros.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { choosePadding, fusedAct, lowerReshape, outSize, requireFloat, spatialAttrs, type SpatialAttrs } from '../lower-util.js';
import { Padding } from '../tflite/schema.js';
import { onlyOneDReaders, padInput, reshapeAlias } from './conv.js';

/** Pool attributes normalised to 2-D: a 1-D pool works on [N, C, 1, L]. `x` is that 4-D shape. */
export function poolAttrs(n: IrNode, x0: number[], allowed: string[]): { sp: SpatialAttrs; x: number[]; oneD: boolean } {
  onlyAttrs(n, allowed);
  const oneD = x0.length === 3;
  if (x0.length !== 4 && !oneD) refuse('only 1-D and 2-D pooling are supported');
  const x = oneD ? [x0[0]!, x0[1]!, 1, x0[2]!] : x0;
  const kernel0 = attrInts(n, 'kernel_shape');
  if (!kernel0 || kernel0.length !== x0.length - 2) refuse(`kernel_shape must have ${x0.length - 2} values`);
  let sp = spatialAttrs(n, x0.slice(2), kernel0, { ints: (k) => attrInts(n, k), str: (k, d) => attrString(n, k, d) });
  if (oneD) sp = { kernel: [1, kernel0[0]!], strides: [1, sp.strides[0]!], dilations: [1, sp.dilations[0]!], pads: [0, sp.pads[0]!, 0, sp.pads[1]!] };
  const kernel = sp.kernel;
  if (sp.dilations.some((d) => d !== 1)) refuse('dilated pooling is not supported');
  if (attrInt(n, 'ceil_mode', 0) === 1) {
    for (let i = 0; i < 2; i++) {
      const a = outSize(x[2 + i]!, kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!);
      const b = outSize(x[2 + i]!, kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!, true);
      if (a !== b) refuse('ceil_mode=1 changes the output size here; not supported');
    }
  }
  return { sp, x, oneD };
}

/** The ONNX output shape (3-D for a 1-D pool). */
export function poolShape(x: number[], sp: SpatialAttrs, oneD: boolean): number[] {
  const [oh, ow] = [0, 1].map((i) => outSize(x[2 + i]!, sp.kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!)) as [number, number];
  return oneD ? [x[0]!, x[1]!, ow] : [x[0]!, x[1]!, oh, ow];
}

const ATTRS = ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides', 'dilations'];

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { sp, x, oneD } = poolAttrs(n, ctx.shape(n.inputs[0]!), ATTRS);
  const choice = choosePadding([x[2]!, x[3]!], sp);
  if (choice.mode === 'EXPLICIT' && attrInt(n, 'count_include_pad', 0) === 0) {
    refuse(`pads [${sp.pads}] with count_include_pad=0 cannot be expressed exactly (TFLite SAME pads differently)`);
  }
  return [{ shape: poolShape(x, sp, oneD), dtype: OnnxDataType.FLOAT }];
}

export function lowerPool(n: IrNode, ctx: EmitContext, op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', p: { sp: SpatialAttrs; x: number[]; oneD: boolean }, padValue: number, forceExplicit: boolean): void {
  const { sp, x, oneD } = p;
  let choice = choosePadding([x[2]!, x[3]!], sp);
  if (forceExplicit && choice.mode === 'SAME') choice = { mode: 'EXPLICIT', pads: sp.pads };
  const xName = oneD ? reshapeAlias(ctx, n.inputs[0]!, `${n.inputs[0]!}__as2d`, x) : n.inputs[0]!;
  const y3 = n.outputs[0]!;
  const yName = oneD ? `${y3}__2d` : y3;
  if (oneD) {
    const y = ctx.shape(y3);
    ctx.ir.values.set(yName, { name: yName, dtype: ctx.value(y3).dtype, shape: [y[0]!, y[1]!, 1, y[2]!] });
  }
  let input = ctx.getAs(xName, NHWC);
  const name = ctx.node(n);
  if (choice.mode === 'EXPLICIT') input = padInput(ctx, name, input, choice.pads, [x[0]!, x[2]!, x[3]!, x[1]!], padValue);
  const out = ctx.output(yName, NHWC);
  ctx.op(op, [input], [out], {
    table: 'Pool2DOptions',
    values: { padding: choice.mode === 'SAME' ? Padding.SAME : Padding.VALID, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!,
      filter_width: sp.kernel[1]!, filter_height: sp.kernel[0]!, fused_activation_function: fusedAct(n) },
  });
  if (oneD && !onlyOneDReaders(ctx, y3)) lowerReshape(ctx, yName, y3);
}

function lower(n: IrNode, ctx: EmitContext) {
  // count_include_pad=1 with SAME-shaped pads must still count the zeros: pad explicitly
  lowerPool(n, ctx, 'AVERAGE_POOL_2D', poolAttrs(n, ctx.shape(n.inputs[0]!), ATTRS), 0, attrInt(n, 'count_include_pad', 0) === 1);
}

export default [{ op: 'AveragePool', versions: [1, 7, 10, 11, 19, 22], infer, lower }] satisfies Lowering[];
