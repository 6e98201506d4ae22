/**
 * Resize (any rank; nearest, linear, cubic) sampled exactly as ONNX specifies (resample.ts). When a
 * 4-D NCHW resize of the spatial axes samples exactly like TFLite's RESIZE_NEAREST_NEIGHBOR or
 * RESIZE_BILINEAR with some align_corners / half_pixel_centers flags, that one op is used; otherwise
 * each resampled axis becomes GATHERs of its taps (constant indices) and, where the taps are weighted,
 * MULs by constant weights summed with ADDs: the same arithmetic, so exact for every nearest_mode and
 * coordinate_transformation_mode. Refused: tf_crop_and_resize, antialias, a computed scales/sizes.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { isIdentity, onnxTaps, sameSampling, tfliteTaps, type AxisTaps, type ResizeMode, type TfliteResizeOp } from '../resample.js';

interface ResizePlan {
  outShape: number[];
  /** per axis: its taps, or undefined when the axis keeps its size and samples itself */
  taps: (AxisTaps | undefined)[];
  native?: { op: TfliteResizeOp; alignCorners: boolean; halfPixel: boolean };
}

const ATTRS = ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'antialias', 'axes', 'keep_aspect_ratio_policy'];

/** TFLite flag combinations a native resize may take, nearest first. */
const NATIVE: { op: TfliteResizeOp; alignCorners: boolean; halfPixel: boolean }[] = [
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: false },
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: true },
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: true, halfPixel: false },
  { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: false },
  { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: true },
  { op: 'RESIZE_BILINEAR', alignCorners: true, halfPixel: false },
];

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): ResizePlan {
  onlyAttrs(n, ATTRS);
  const x = ctx.shape(n.inputs[0]!);
  const r = x.length;
  if (attrInt(n, 'antialias', 0) !== 0) refuse('antialias=1 is not supported');
  const mode = attrString(n, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') refuse(`mode '${mode}' is not supported`);
  if (n.since === 10 && mode === 'cubic') refuse('mode cubic is not part of Resize-10');
  // Resize-10 samples like Upsample: asymmetric coordinates, nearest rounds down
  const ctm = n.since === 10 ? 'asymmetric' : attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  const nearestMode = n.since === 10 ? 'floor' : attrString(n, 'nearest_mode', 'round_prefer_floor');
  if (ctm === 'tf_crop_and_resize') refuse('coordinate_transformation_mode tf_crop_and_resize is not supported');
  if (ctm === 'half_pixel_symmetric' && n.since < 19) refuse('half_pixel_symmetric is a Resize-19 mode');
  const axesAttr = attrInts(n, 'axes');
  const axes = axesAttr ? axesAttr.map((a) => (a < 0 ? a + r : a)) : Array.from({ length: r }, (_, i) => i);
  if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length) refuse(`axes [${axesAttr}] are not valid`);
  const spread = (vals: number[], dflt: (i: number) => number): number[] => {
    if (vals.length !== axes.length) refuse('scales/sizes do not match the axes');
    const full = x.map((_, i) => dflt(i));
    axes.forEach((a, k) => (full[a] = vals[k]!));
    return full;
  };
  const [scalesAt, sizesAt] = n.since === 10 ? [1, -1] : [2, 3];
  const scalesC = n.inputs[scalesAt] ? ctx.const(n.inputs[scalesAt]) : undefined;
  const sizesC = sizesAt > 0 && n.inputs[sizesAt] ? ctx.const(n.inputs[sizesAt]) : undefined;
  if (n.inputs[scalesAt] && !scalesC) refuse(`scales (input ${scalesAt}) is computed at run time; only constant scales are supported`);
  if (sizesAt > 0 && n.inputs[sizesAt] && !sizesC) refuse(`sizes (input ${sizesAt}) is computed at run time; only constant sizes are supported`);
  let outShape: number[];
  let scales: number[];
  if (sizesC && sizesC.data.length > 0) {
    const policy = attrString(n, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') refuse(`keep_aspect_ratio_policy '${policy}' is not supported`);
    outShape = spread(Array.from(sizesC.data, Number), (i) => x[i]!);
    scales = outShape.map((o, i) => Math.fround(o / x[i]!));
  } else if (scalesC && scalesC.data.length > 0) {
    scales = spread(Array.from(scalesC.data, (v) => Math.fround(Number(v))), () => 1);
    if (scales.some((s) => !(s > 0))) refuse(`scales [${scales}] must be positive`);
    outShape = x.map((d, i) => Math.floor(Math.fround(d * scales[i]!)));
    // the ONNX reference divides by the unrounded length (L * scale - 1), onnxruntime by the rounded one
    if (ctm === 'align_corners' && x.some((d, i) => Math.fround(d * scales[i]!) !== outShape[i])) {
      refuse('align_corners with scales that do not give whole output sizes: runtimes disagree on the sampling positions');
    }
  } else refuse('neither scales nor sizes is given');
  if (outShape.some((d) => !Number.isInteger(d) || d < 1)) refuse(`output shape [${outShape}] is empty or invalid`);
  const taps = x.map((L, i) => {
    const t = onnxTaps({ mode: mode as ResizeMode, ctm, nearestMode, cubicA: attrFloat(n, 'cubic_coeff_a', -0.75),
      excludeOutside: attrInt(n, 'exclude_outside', 0) === 1, inLen: L, outLen: outShape[i]!, scale: scales[i]! });
    return isIdentity(t, L) ? undefined : t;
  });
  const p: ResizePlan = { outShape, taps };
  if (r === 4 && !taps[0] && !taps[1] && (taps[2] || taps[3])) {
    // a native op must sample both spatial axes exactly as ONNX does
    const axisTaps = (i: number) => taps[i] ?? { indices: [Array.from({ length: x[i]! }, (_, o) => o)], weights: [new Array<number>(x[i]!).fill(1)] };
    p.native = NATIVE.find((c) => [2, 3].every((i) => sameSampling(tfliteTaps(c.op, c.alignCorners, c.halfPixel, x[i]!, outShape[i]!), axisTaps(i), x[i]!, 1e-6)));
  }
  return p;
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: plan(n, ctx).outShape, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const name = ctx.node(n);
  if (p.native) {
    const input = ctx.getAs(n.inputs[0]!, NHWC);
    const out = ctx.output(n.outputs[0]!, NHWC);
    const size = ctx.int32Const(`${name}_size`, [p.outShape[2]!, p.outShape[3]!]);
    const values = { align_corners: p.native.alignCorners, half_pixel_centers: p.native.halfPixel };
    ctx.op(p.native.op, [input, size], [out], { table: p.native.op === 'RESIZE_BILINEAR' ? 'ResizeBilinearOptions' : 'ResizeNearestNeighborOptions', values });
    return;
  }
  // separable: resample one axis at a time on the producer's layout
  const src = ctx.primary(n.inputs[0]!);
  const perm = src.perm;
  let cur = src.tensor;
  const shape = [...ctx.shape(n.inputs[0]!)];
  p.taps.forEach((t, axis) => {
    if (!t) return;
    const phys = perm.indexOf(axis);
    shape[axis] = p.outShape[axis]!;
    const physShape = perm.map((a) => shape[a]!);
    const weightShape = physShape.map((d, i) => (i === phys ? d : 1));
    const terms: number[] = [];
    t.indices.forEach((idx, k) => {
      const w = t.weights[k]!;
      if (w.every((v) => v === 0)) return;
      const g = ctx.newTensor(`${name}_axis${axis}_tap${k}`, physShape);
      ctx.op('GATHER', [cur, ctx.int32Const(`${name}_axis${axis}_index${k}`, idx)], [g], { table: 'GatherOptions', values: { axis: phys } });
      if (w.every((v) => v === 1)) { terms.push(g); return; }
      const m = ctx.newTensor(`${name}_axis${axis}_weighted${k}`, physShape);
      ctx.op('MUL', [g, ctx.floatConst(`${name}_axis${axis}_weight${k}`, weightShape, w)], [m], { table: 'MulOptions', values: {} });
      terms.push(m);
    });
    let acc = terms[0]!;
    for (const term of terms.slice(1)) {
      const s = ctx.newTensor(`${name}_axis${axis}_sum`, physShape);
      ctx.op('ADD', [acc, term], [s], { table: 'AddOptions', values: {} });
      acc = s;
    }
    cur = acc;
  });
  ctx.define(n.outputs[0]!, cur, perm);
}

export default [{ op: 'Resize', versions: [10, 11, 13, 18, 19], infer, lower }] satisfies Lowering[];
