/**
 * AveragePool (2-D) -> AVERAGE_POOL_2D. TFLite's SAME averaging excludes padding from the count, so
 * SAME is used only with count_include_pad=0; count_include_pad=1 pads explicitly with zeros.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { choosePadding, fusedAct, outSize, requireFloat, spatialAttrs, type SpatialAttrs } from '../lower-util.js';
import { Padding } from '../tflite/schema.js';
import { padInput } from './conv.js';

export function poolAttrs(n: IrNode, x: number[], allowed: string[]): SpatialAttrs {
  onlyAttrs(n, allowed);
  if (x.length !== 4) refuse('only 2-D pooling (4-D input) is supported');
  const kernel = attrInts(n, 'kernel_shape');
  if (!kernel || kernel.length !== 2) refuse('kernel_shape must have 2 values');
  const sp = spatialAttrs(n, [x[2]!, x[3]!], kernel, { ints: (k) => attrInts(n, k), str: (k, d) => attrString(n, k, d) });
  if (sp.dilations.some((d) => d !== 1)) refuse('dilated pooling is not supported');
  if (attrInt(n, 'ceil_mode', 0) === 1) {
    for (let i = 0; i < 2; i++) {
      const a = outSize(x[2 + i]!, kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!);
      const b = outSize(x[2 + i]!, kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!, true);
      if (a !== b) refuse('ceil_mode=1 changes the output size here; not supported');
    }
  }
  return sp;
}

export function poolShape(x: number[], sp: SpatialAttrs): number[] {
  return [x[0]!, x[1]!, ...[0, 1].map((i) => outSize(x[2 + i]!, sp.kernel[i]!, sp.strides[i]!, 1, sp.pads[i]!, sp.pads[i + 2]!))];
}

const ATTRS = ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides', 'dilations'];

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  const sp = poolAttrs(n, x, ATTRS);
  const choice = choosePadding([x[2]!, x[3]!], sp);
  if (choice.mode === 'EXPLICIT' && attrInt(n, 'count_include_pad', 0) === 0) {
    refuse(`pads [${sp.pads}] with count_include_pad=0 cannot be expressed exactly (TFLite SAME pads differently)`);
  }
  return [{ shape: poolShape(x, sp), dtype: OnnxDataType.FLOAT }];
}

export function lowerPool(n: IrNode, ctx: EmitContext, op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', sp: SpatialAttrs, padValue: number, forceExplicit: boolean): void {
  const x = ctx.shape(n.inputs[0]!);
  let choice = choosePadding([x[2]!, x[3]!], sp);
  if (forceExplicit && choice.mode === 'SAME') choice = { mode: 'EXPLICIT', pads: sp.pads };
  let input = ctx.getAs(n.inputs[0]!, NHWC);
  const name = ctx.node(n);
  if (choice.mode === 'EXPLICIT') input = padInput(ctx, name, input, choice.pads, [x[0]!, x[2]!, x[3]!, x[1]!], padValue);
  const out = ctx.output(n.outputs[0]!, NHWC);
  ctx.op(op, [input], [out], {
    table: 'Pool2DOptions',
    values: { padding: choice.mode === 'SAME' ? Padding.SAME : Padding.VALID, stride_w: sp.strides[1]!, stride_h: sp.strides[0]!,
      filter_width: sp.kernel[1]!, filter_height: sp.kernel[0]!, fused_activation_function: fusedAct(n) },
  });
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = ctx.shape(n.inputs[0]!);
  const sp = poolAttrs(n, x, ATTRS);
  // count_include_pad=1 with SAME-shaped pads must still count the zeros: pad explicitly
  lowerPool(n, ctx, 'AVERAGE_POOL_2D', sp, 0, attrInt(n, 'count_include_pad', 0) === 1);
}

export default [{ op: 'AveragePool', versions: [1, 7, 10, 11, 19, 22], infer, lower }] satisfies Lowering[];
