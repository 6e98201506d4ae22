/**
 * Resize (4-D, spatial axes only) -> RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR. Each ONNX
 * (mode, coordinate_transformation_mode, nearest_mode) maps to TFLite's align_corners /
 * half_pixel_centers only where the sampling positions are the same; everything else is refused.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

interface ResizePlan { op: 'RESIZE_NEAREST_NEIGHBOR' | 'RESIZE_BILINEAR'; alignCorners: boolean; halfPixel: boolean; size: [number, number] }

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): ResizePlan {
  onlyAttrs(n, ['mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'antialias', 'axes', 'keep_aspect_ratio_policy']);
  const x = ctx.shape(n.inputs[0]!);
  if (x.length !== 4) refuse('only 4-D (NCHW) resize is supported');
  if (attrInt(n, 'antialias', 0) !== 0) refuse('antialias=1 is not supported');
  if (attrInt(n, 'exclude_outside', 0) !== 0) refuse('exclude_outside=1 is not supported');
  const axesAttr = attrInts(n, 'axes');
  // 18+: scales/sizes may cover only `axes`; spread them over all four axes (others keep 1 / their size)
  const axes = axesAttr ? axesAttr.map((a) => (a < 0 ? a + 4 : a)) : [0, 1, 2, 3];
  if (axes.some((a) => a < 0 || a > 3) || new Set(axes).size !== axes.length) refuse(`axes [${axesAttr}] are not valid`);
  const spread = (vals: number[], dflt: (i: number) => number): number[] => {
    if (vals.length !== axes.length) refuse('scales/sizes do not match the axes');
    const full = [0, 1, 2, 3].map(dflt);
    axes.forEach((a, k) => (full[a] = vals[k]!));
    return full;
  };
  const policy = attrString(n, 'keep_aspect_ratio_policy', 'stretch');
  const scalesC = n.inputs[2] ? ctx.const(n.inputs[2]) : undefined;
  const sizesC = n.inputs[3] ? ctx.const(n.inputs[3]) : undefined;
  if (n.inputs[2] && !scalesC) refuse('scales (input 2) is computed at run time');
  if (n.inputs[3] && !sizesC) refuse('sizes (input 3) is computed at run time');
  let size: [number, number];
  if (sizesC && sizesC.data.length > 0) {
    if (policy !== 'stretch') refuse(`keep_aspect_ratio_policy '${policy}' is not supported`);
    const s = spread(Array.from(sizesC.data), (i) => x[i]!);
    if (s.length !== 4 || s[0] !== x[0] || s[1] !== x[1]) refuse('only the spatial axes may be resized');
    size = [s[2]!, s[3]!];
  } else if (scalesC && scalesC.data.length > 0) {
    const s = spread(Array.from(scalesC.data), () => 1);
    if (s.length !== 4 || s[0] !== 1 || s[1] !== 1) refuse('only the spatial axes may be resized');
    const h = x[2]! * s[2]!;
    const w = x[3]! * s[3]!;
    // TFLite derives its scale from the sizes; ONNX uses the given scale: equal only when the sizes are exact
    if (!Number.isInteger(h) || !Number.isInteger(w)) refuse(`scales [${s}] do not give whole output sizes`);
    size = [h, w];
  } else refuse('neither scales nor sizes is given');
  if (size[0] < 1 || size[1] < 1) refuse('empty output');
  const mode = attrString(n, 'mode', 'nearest');
  const ctm = attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  if (mode === 'nearest') {
    const nm = attrString(n, 'nearest_mode', 'round_prefer_floor');
    if (ctm === 'asymmetric' && nm === 'floor') return { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: false, size };
    if (ctm === 'align_corners' && nm === 'round_prefer_ceil') return { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: true, halfPixel: false, size };
    const halfPixel = ctm === 'half_pixel' || (ctm === 'pytorch_half_pixel' && size[0] > 1 && size[1] > 1);
    // TFLite half-pixel nearest reads floor((x + 0.5) * in / out); ONNX rounds (x + 0.5) * in / out - 0.5,
    // which is the same except on exact ties, where round_prefer_floor goes one pixel lower
    const noTies = (inLen: number, outLen: number) =>
      Array.from({ length: outLen }, (_, o) => ((2 * o + 1) * inLen) % (2 * outLen) !== 0).every(Boolean);
    if ((ctm === 'tf_half_pixel_for_nn' && nm === 'floor') || (halfPixel && nm === 'round_prefer_ceil') ||
      (halfPixel && nm === 'round_prefer_floor' && noTies(x[2]!, size[0]) && noTies(x[3]!, size[1]))) {
      return { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: true, size };
    }
    refuse(`nearest with coordinate_transformation_mode '${ctm}' and nearest_mode '${nm}' has no exact TFLite equivalent`);
  }
  if (mode === 'linear') {
    if (ctm === 'half_pixel' || (ctm === 'pytorch_half_pixel' && size[0] > 1 && size[1] > 1)) return { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: true, size };
    if (ctm === 'align_corners') return { op: 'RESIZE_BILINEAR', alignCorners: true, halfPixel: false, size };
    if (ctm === 'asymmetric') return { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: false, size };
    refuse(`linear with coordinate_transformation_mode '${ctm}' has no exact TFLite equivalent`);
  }
  refuse(`mode '${mode}' is not supported`);
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  const { size } = plan(n, ctx);
  return [{ shape: [x[0]!, x[1]!, size[0], size[1]], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const input = ctx.getAs(n.inputs[0]!, NHWC);
  const out = ctx.output(n.outputs[0]!, NHWC);
  const size = ctx.int32Const(`${ctx.node(n)}_size`, p.size);
  const values = { align_corners: p.alignCorners, half_pixel_centers: p.halfPixel };
  ctx.op(p.op, [input, size], [out], { table: p.op === 'RESIZE_BILINEAR' ? 'ResizeBilinearOptions' : 'ResizeNearestNeighborOptions', values });
}

export default [{ op: 'Resize', versions: [11, 13, 18, 19], infer, lower }] satisfies Lowering[];
