/**
 * Emission pieces shared by the conv and pool lowerings (NHWC tensors; a 1-D op works on
 * [N, C, 1, L] as a 2-D one): explicit padding, the 1-D <-> 2-D views, and the pool lowering itself,
 * built on geometry.ts's arithmetic.
 */
import type { EmitContext } from './emit.js';
import { isSame, poolDivisors, poolGeometry, spatialAttrs, type PoolGeometry, type SpatialAttrs } from './geometry.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from './ir.js';
import { NHWC } from './layout.js';
import { fusedAct, lowerReshape } from './lower-util.js';
import { Padding } from './tflite/schema.js';

/** Adds an explicit PAD (NHWC, pads [top, left, bottom, right]) in front of `x`; returns the padded tensor. */
export function padInput(ctx: EmitContext, name: string, x: number, pads: number[], inPhys: number[], value?: number): number {
  const [t, l, b, r] = pads as [number, number, number, number];
  const phys = [inPhys[0]!, inPhys[1]! + t + b, inPhys[2]! + l + r, inPhys[3]!];
  const out = ctx.newTensor(`${name}_pad`, phys);
  const paddings = ctx.g.addInt32Const(`${name}_paddings`, [4, 2], [0, 0, t, b, l, r, 0, 0]);
  if (value === undefined || value === 0) ctx.op('PAD', [x, paddings], [out], { table: 'PadOptions', values: {} });
  else ctx.op('PADV2', [x, paddings, ctx.floatConst(`${name}_padvalue`, [], [value])], [out], { table: 'PadV2Options', values: {} });
  return out;
}

/**
 * True when every reader of a 1-D conv/pool output is another 1-D conv/pool (which take the
 * [N, C, 1, L] tensor directly), so the 3-D view need not be materialised.
 */
export function onlyOneDReaders(ctx: EmitContext, y3: string): boolean {
  const spatial = new Set(['Conv', 'MaxPool', 'AveragePool']);
  return !ctx.ir.outputs.includes(y3) &&
    ctx.ir.nodes.every((m) => !m.inputs.includes(y3) || (spatial.has(m.op) && m.inputs[0] === y3 && !m.inputs.slice(1).includes(y3)));
}

/** Registers `alias` as `name` reshaped to `shape` and lowers that reshape (layout-aware). */
export function reshapeAlias(ctx: EmitContext, name: string, alias: string, shape: number[]): string {
  // the output of a 1-D conv already exists as [N, O, 1, L]
  const conv2d = `${name}__2d`;
  if (ctx.ir.values.get(conv2d)?.shape?.join() === shape.join()) return conv2d;
  if (!ctx.ir.values.has(alias)) {
    ctx.ir.values.set(alias, { name: alias, dtype: ctx.value(name).dtype, shape });
    lowerReshape(ctx, name, alias);
  }
  return alias;
}

export interface PoolPlan {
  /** 4-D input shape ([N, C, 1, L] for a 1-D pool) */
  x: number[];
  oneD: boolean;
  geo: PoolGeometry;
}

/** Pool attributes normalised to 2-D (a 1-D pool works on [N, C, 1, L]) and its geometry. */
export function poolPlan(n: IrNode, x0: number[], allowed: string[], allowDilation = false): PoolPlan {
  onlyAttrs(n, allowed);
  const oneD = x0.length === 3;
  if (x0.length !== 4 && !oneD) refuse('spatial-rank', { rank: x0.length });
  const x = oneD ? [x0[0]!, x0[1]!, 1, x0[2]!] : x0;
  const kernel0 = attrInts(n, 'kernel_shape');
  if (!kernel0) refuse('attr-missing', { attr: 'kernel_shape' });
  if (kernel0.length !== x0.length - 2) refuse('count-mismatch', { what: 'kernel_shape', count: kernel0.length, expected: x0.length - 2, basis: 'spatial-dims' });
  let sp: SpatialAttrs = spatialAttrs(x0.slice(2), kernel0, { ints: (k) => attrInts(n, k), str: (k, d) => attrString(n, k, d) });
  if (oneD) sp = { kernel: [1, kernel0[0]!], strides: [1, sp.strides[0]!], dilations: [1, sp.dilations[0]!], pads: [0, sp.pads[0]!, 0, sp.pads[1]!] };
  if (!allowDilation && sp.dilations.some((d) => d !== 1)) refuse('attr-unsupported', { attr: 'dilations', value: sp.dilations.join(','), supported: '1 (dilated average pooling)' });
  const ceil = attrInt(n, 'ceil_mode', 0);
  if (ceil !== 0 && ceil !== 1) refuse('attr-unsupported', { attr: 'ceil_mode', value: ceil, supported: '0 or 1' });
  return { x, oneD, geo: poolGeometry([x[2]!, x[3]!], sp, ceil === 1) };
}

/** The ONNX output shape (3-D for a 1-D pool). */
export function poolShape(p: PoolPlan): number[] {
  const [oh, ow] = p.geo.outHW as [number, number];
  return p.oneD ? [p.x[0]!, p.x[1]!, ow] : [p.x[0]!, p.x[1]!, oh, ow];
}

export type PoolKind = { op: 'MAX_POOL_2D' } | { op: 'AVERAGE_POOL_2D'; countIncludePad: boolean };

/**
 * Lowers a pool. Max: SAME when the pads (with ceil_mode's extra) are TFLite's SAME split (padding never
 * wins a max), else PADV2 with -inf + VALID. Average: SAME when additionally ONNX divides by the
 * in-input count as TFLite's SAME does; otherwise zero PAD + VALID (dividing by the full window) and,
 * where ONNX divides by fewer, a MUL by the constant per-position ratio.
 */
export function lowerPool(n: IrNode, ctx: EmitContext, kind: PoolKind, p: PoolPlan): void {
  const { x, oneD, geo } = p;
  const [kh, kw] = geo.sp.kernel as [number, number];
  const dilated = geo.sp.dilations.some((d, i) => d !== 1 && geo.sp.kernel[i]! > 1);
  const anyPad = geo.pads.some((v) => v !== 0);
  const same = anyPad && !dilated && isSame(geo.inHW, geo.sp, geo.pads);
  let divisors: Float64Array | undefined;
  let useSame = same;
  let correction: Float64Array | undefined;
  if (kind.op === 'AVERAGE_POOL_2D') {
    divisors = poolDivisors(geo, kind.countIncludePad);
    const inInput = poolDivisors(geo, false);
    useSame = same && divisors.every((d, i) => d === inInput[i]);
    if (!useSame && divisors.some((d) => d !== kh * kw)) correction = divisors.map((d) => (kh * kw) / d);
  }
  const xName = oneD ? reshapeAlias(ctx, n.inputs[0]!, `${n.inputs[0]!}__as2d`, x) : n.inputs[0]!;
  const y3 = n.outputs[0]!;
  const yName = oneD ? `${y3}__2d` : y3;
  if (oneD) {
    const y = ctx.shape(y3);
    ctx.ir.values.set(yName, { name: yName, dtype: ctx.value(y3).dtype, shape: [y[0]!, y[1]!, 1, y[2]!] });
  }
  let input = ctx.getAs(xName, NHWC);
  const name = ctx.node(n);
  if (anyPad && !useSame) input = padInput(ctx, name, input, geo.pads, [x[0]!, x[2]!, x[3]!, x[1]!], kind.op === 'MAX_POOL_2D' ? -Infinity : 0);
  const out = ctx.output(yName, NHWC);
  const [oh, ow] = geo.outHW as [number, number];
  if (dilated) {
    lowerDilatedMax(n, ctx, input, out, [x[0]!, oh, ow, x[1]!], geo);
    if (oneD && !onlyOneDReaders(ctx, y3)) lowerReshape(ctx, yName, y3);
    return;
  }
  const pooled = correction ? ctx.newTensor(`${name}_sum`, [x[0]!, oh, ow, x[1]!]) : out;
  ctx.op(kind.op, [input], [pooled], {
    table: 'Pool2DOptions',
    values: { padding: useSame ? Padding.SAME : Padding.VALID, stride_w: geo.sp.strides[1]!, stride_h: geo.sp.strides[0]!,
      filter_width: kw, filter_height: kh, fused_activation_function: correction ? 0 : fusedAct(n) },
  });
  if (correction) {
    // the activation goes after the rescale (Clip(0, 6) does not commute with it)
    ctx.op('MUL', [pooled, ctx.floatConst(`${name}_divisor_ratio`, [1, oh, ow, 1], correction)], [out], {
      table: 'MulOptions', values: { fused_activation_function: fusedAct(n) },
    });
  }
  if (oneD && !onlyOneDReaders(ctx, y3)) lowerReshape(ctx, yName, y3);
}

/**
 * A dilated max pool (TFLite's MAX_POOL_2D has no dilation) as the MAXIMUM of its kh x kw window taps,
 * each a STRIDED_SLICE of the (already padded) input; a fused activation follows as its own op
 * (monotone, so it commutes with the max).
 */
function lowerDilatedMax(n: IrNode, ctx: EmitContext, input: number, out: number, outPhys: number[], geo: PoolGeometry): void {
  const name = ctx.node(n);
  const [kh, kw] = geo.sp.kernel as [number, number];
  const [dh, dw] = geo.sp.dilations as [number, number];
  const [sh, sw] = geo.sp.strides as [number, number];
  const [batch, oh, ow, c] = outPhys as [number, number, number, number];
  const act = n.fusedAct && n.fusedAct !== 'NONE' ? n.fusedAct : undefined;
  let acc = -1;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = ctx.newTensor(`${name}_tap${i}_${j}`, outPhys);
      const begin = [0, i * dh, j * dw, 0];
      const end = [batch, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, c];
      ctx.op('STRIDED_SLICE', [input, ctx.int32Const(`${name}_begin${i}_${j}`, begin), ctx.int32Const(`${name}_end${i}_${j}`, end),
        ctx.int32Const(`${name}_strides${i}_${j}`, [1, sh, sw, 1])], [tap], { table: 'StridedSliceOptions', values: {} });
      if (acc < 0) { acc = tap; continue; }
      const last = i === kh - 1 && j === kw - 1 && !act;
      const m = last ? out : ctx.newTensor(`${name}_max${i}_${j}`, outPhys);
      ctx.op('MAXIMUM', [acc, tap], [m], { table: 'MaximumMinimumOptions', values: {} });
      acc = m;
    }
  }
  if (act) ctx.op(act, [acc], [out]);
}
