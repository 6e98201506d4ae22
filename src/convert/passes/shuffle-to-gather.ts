/**
 * Channel shuffles as one Gather (opt-in, --gather-shuffles): a shuffle (see channel-shuffle.ts) is
 * exactly a Gather of its axis with constant indices; three TFLite ops become one GATHER, as onnx2tf
 * writes it. Off by default: XNNPACK does not delegate GATHER, so the delegated graph is split.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { IrGraph, IrNode } from '../ir.js';
import { findChannelShuffles } from './channel-shuffle.js';

export function shuffleToGather(g: IrGraph): number {
  let rewritten = 0;
  for (const s of findChannelShuffles(g)) {
    const [first, t] = s.nodes as [IrNode, IrNode];
    const name = `${t.name || t.outputs[0]}_shuffle`;
    const ix = `${name}_indices`;
    g.values.set(ix, { name: ix, dtype: OnnxDataType.INT64, shape: [s.indices.length], const: { dtype: OnnxDataType.INT64, shape: [s.indices.length], data: Float64Array.from(s.indices) } });
    const gather: IrNode = { name, op: 'Gather', domain: '', since: 13, inputs: [s.input, ix], outputs: [s.output], attrs: new Map([['axis', { type: 'int', value: s.axis }]]) };
    g.nodes = g.nodes.flatMap((n) => (n === first ? [gather] : s.nodes.includes(n) ? [] : [n]));
    rewritten++;
  }
  return rewritten;
}
