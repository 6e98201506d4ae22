/**
 * Emits a resize sampling plan (resample.ts) for Resize and Upsample: one native TFLite resize when it
 * samples exactly the same, else per resampled axis GATHERs of constant taps, MULs by constant weights
 * and ADDs, on the producer's layout.
 */
import type { EmitContext } from './emit.js';
import type { IrNode } from './ir.js';
import { NHWC } from './layout.js';
import type { ResizePlan } from './resample.js';

export function emitResize(n: IrNode, ctx: EmitContext, p: ResizePlan): void {
  const name = ctx.node(n);
  if (p.native) {
    const input = ctx.getAs(n.inputs[0]!, NHWC);
    const out = ctx.output(n.outputs[0]!, NHWC);
    const size = ctx.int32Const(`${name}_size`, [p.outShape[2]!, p.outShape[3]!]);
    const values = { align_corners: p.native.alignCorners, half_pixel_centers: p.native.halfPixel };
    if (p.native.op === 'RESIZE_BILINEAR') ctx.op('RESIZE_BILINEAR', [input, size], [out], { table: 'ResizeBilinearOptions', values });
    else ctx.op('RESIZE_NEAREST_NEIGHBOR', [input, size], [out], { table: 'ResizeNearestNeighborOptions', values });
    return;
  }
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
