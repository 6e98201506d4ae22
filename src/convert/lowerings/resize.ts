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
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { samplingPlan, type ResizeMode, type ResizePlan } from '../resample.js';
import { emitResize } from '../resize-emit.js';


const ATTRS = ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'antialias', 'axes', 'keep_aspect_ratio_policy'];

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): ResizePlan {
  onlyAttrs(n, ATTRS);
  const x = ctx.shape(n.inputs[0]!);
  const r = x.length;
  if (attrInt(n, 'antialias', 0) !== 0) refuse('attr-unsupported', { attr: 'antialias', value: attrInt(n, 'antialias', 0), supported: '0' });
  const mode = attrString(n, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') refuse('attr-unsupported', { attr: 'mode', value: mode });
  if (n.since === 10 && mode === 'cubic') refuse('attr-version', { attr: 'mode', value: mode, since: 11 });
  // Resize-10 samples like Upsample: asymmetric coordinates, nearest rounds down
  const ctm = n.since === 10 ? 'asymmetric' : attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  const nearestMode = n.since === 10 ? 'floor' : attrString(n, 'nearest_mode', 'round_prefer_floor');
  if (ctm === 'tf_crop_and_resize') refuse('attr-unsupported', { attr: 'coordinate_transformation_mode', value: ctm });
  if (ctm === 'half_pixel_symmetric' && n.since < 19) refuse('attr-version', { attr: 'coordinate_transformation_mode', value: ctm, since: 19 });
  const axesAttr = attrInts(n, 'axes');
  const axes = axesAttr ? axesAttr.map((a) => (a < 0 ? a + r : a)) : Array.from({ length: r }, (_, i) => i);
  if (axes.some((a) => a < 0 || a >= r) || new Set(axes).size !== axes.length) refuse('axes-invalid', { axes: axesAttr!, rank: r });
  const spread = (vals: number[], dflt: (i: number) => number, what: string): number[] => {
    if (vals.length !== axes.length) refuse('count-mismatch', { what, count: vals.length, expected: axes.length, basis: 'axes' });
    const full = x.map((_, i) => dflt(i));
    axes.forEach((a, k) => (full[a] = vals[k]!));
    return full;
  };
  const [scalesAt, sizesAt] = n.since === 10 ? [1, -1] : [2, 3];
  const scalesC = n.inputs[scalesAt] ? ctx.const(n.inputs[scalesAt]) : undefined;
  const sizesC = sizesAt > 0 && n.inputs[sizesAt] ? ctx.const(n.inputs[sizesAt]) : undefined;
  if (n.inputs[scalesAt] && !scalesC) refuse('const-input-required', { input: 'scales', index: scalesAt });
  if (sizesAt > 0 && n.inputs[sizesAt] && !sizesC) refuse('const-input-required', { input: 'sizes', index: sizesAt });
  let outShape: number[];
  let scales: number[];
  if (sizesC && sizesC.data.length > 0) {
    const policy = attrString(n, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') refuse('attr-unsupported', { attr: 'keep_aspect_ratio_policy', value: policy, supported: 'stretch' });
    outShape = spread(Array.from(sizesC.data, Number), (i) => x[i]!, 'sizes');
    scales = outShape.map((o, i) => Math.fround(o / x[i]!));
  } else if (scalesC && scalesC.data.length > 0) {
    scales = spread(Array.from(scalesC.data, (v) => Math.fround(Number(v))), () => 1, 'scales');
    if (scales.some((s) => !(s > 0))) refuse('values-invalid', { what: 'scales', values: scales, need: 'positive' });
    outShape = x.map((d, i) => Math.floor(Math.fround(d * scales[i]!)));
    // the ONNX reference divides by the unrounded length (L * scale - 1), onnxruntime by the rounded one
    if (ctm === 'align_corners' && x.some((d, i) => Math.fround(d * scales[i]!) !== outShape[i])) {
      refuse('align-corners-fractional');
    }
  } else refuse('resize-no-size');
  if (outShape.some((d) => !Number.isInteger(d) || d < 1)) refuse('empty-output', { shape: outShape });
  return samplingPlan(x, outShape, scales, { mode: mode as ResizeMode, ctm, nearestMode,
    cubicA: attrFloat(n, 'cubic_coeff_a', -0.75), excludeOutside: attrInt(n, 'exclude_outside', 0) === 1 });
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: plan(n, ctx).outShape, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  emitResize(n, ctx, plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) }));
}

export default [{ op: 'Resize', versions: [10, 11, 13, 18, 19], infer, lower }] satisfies Lowering[];
