/**
 * Upsample-7/9 (deprecated at 10; older exports, e.g. YOLO-style at opset 9): Resize-10's sampling,
 * asymmetric coordinates with nearest rounding down or linear, scales >= 1 (the attribute at 7, a
 * constant input at 9). Emitted like Resize (resize-emit.ts).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloats, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { samplingPlan, type ResizePlan } from '../resample.js';
import { emitResize } from '../resize-emit.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>): ResizePlan {
  onlyAttrs(n, n.since < 9 ? ['mode', 'scales'] : ['mode']);
  const x = ctx.shape(n.inputs[0]!);
  let scales: number[];
  if (n.since < 9) scales = attrFloats(n, 'scales') ?? refuse('attr-missing', { attr: 'scales' });
  else {
    const c = n.inputs[1] ? ctx.const(n.inputs[1]) : undefined;
    if (!c) refuse('const-input-required', { input: 'scales', index: 1 });
    scales = Array.from(c.data, Number);
  }
  scales = scales.map((s) => Math.fround(s));
  if (scales.length !== x.length) refuse('count-mismatch', { what: 'scales', count: scales.length, expected: x.length, basis: 'input-rank' });
  // below 1 onnxruntime rounds nearest differently from floor; Upsample is for upsampling
  if (scales.some((s) => !(s >= 1))) refuse('upsample-below-one', { scales });
  const mode = attrString(n, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') refuse('attr-unsupported', { attr: 'mode', value: mode, supported: 'nearest or linear' });
  const outShape = x.map((d, i) => Math.floor(Math.fround(d * scales[i]!)));
  return samplingPlan(x, outShape, scales, { mode, ctm: 'asymmetric', nearestMode: 'floor', cubicA: -0.75, excludeOutside: false });
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: plan(n, ctx).outShape, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  emitResize(n, ctx, plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) }));
}

export default [{ op: 'Upsample', versions: [7, 9], infer, lower }] satisfies Lowering[];
