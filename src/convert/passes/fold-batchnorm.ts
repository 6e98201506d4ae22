/** Folds an inference BatchNormalization into the Conv before it (when the conv output has no other use). */
import { OnnxDataType } from '../../onnx/model.js';
import { useCounts, NodeRefusal, type IrGraph, type IrNode } from '../ir.js';
import { InferContext } from '../lowering.js';
import { bnScaleShift } from '../lowerings/batch-normalization.js';

export function foldBatchNorm(g: IrGraph): number {
  const ctx = new InferContext(g);
  const producer = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  let folded = 0;
  const uses = useCounts(g);
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'BatchNormalization' || bn.outputs.slice(1).some((o) => o)) continue;
    const x = bn.inputs[0]!;
    const conv = producer.get(x);
    if (!conv || conv.op !== 'Conv' || g.outputs.includes(x) || uses.get(x) !== 1) continue;
    const w = ctx.const(conv.inputs[1]!);
    const b = conv.inputs[2] ? ctx.const(conv.inputs[2]) : undefined;
    if (!w || (conv.inputs[2] && !b)) continue;
    let p: { scale: Float32Array; shift: Float32Array };
    try {
      p = bnScaleShift(bn, ctx);
    } catch (err) {
      if (err instanceof NodeRefusal) continue; // left standalone; its lowering reports the reason
      throw err;
    }
    const cout = w.shape[0]!;
    if (p.scale.length !== cout) continue;
    const per = w.data.length / cout;
    const wNew = new Float32Array(w.data.length);
    for (let o = 0; o < cout; o++) for (let k = 0; k < per; k++) wNew[o * per + k] = w.data[o * per + k]! * p.scale[o]!;
    const bNew = new Float32Array(cout);
    for (let o = 0; o < cout; o++) bNew[o] = (b ? b.data[o]! : 0) * p.scale[o]! + p.shift[o]!;
    const base = conv.name || conv.outputs[0]!;
    const wName = `${base}__bn_weights`;
    const bName = `${base}__bn_bias`;
    g.values.set(wName, { name: wName, dtype: OnnxDataType.FLOAT, shape: w.shape, const: { dtype: OnnxDataType.FLOAT, shape: w.shape, data: wNew } });
    g.values.set(bName, { name: bName, dtype: OnnxDataType.FLOAT, shape: [cout], const: { dtype: OnnxDataType.FLOAT, shape: [cout], data: bNew } });
    conv.inputs = [conv.inputs[0]!, wName, bName];
    conv.outputs = [bn.outputs[0]!];
    g.nodes = g.nodes.filter((n) => n !== bn);
    producer.set(bn.outputs[0]!, conv);
    folded++;
  }
  return folded;
}
