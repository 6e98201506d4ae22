/**
 * Fuses exact GELU as exporters write it out, x * 0.5 * (1 + erf(x / sqrt(2))) (TorchScript's
 * aten::gelu), into one Gelu node, lowered to TFLite's GELU (approximate=false). The three factors
 * may be multiplied in any order; x/sqrt(2) may be a Div by sqrt(2) or a Mul by 1/sqrt(2).
 */
import { OnnxDataType } from '../../onnx/model.js';
import { graphLinks, type Blocker, type IrGraph, type IrNode } from '../ir.js';
import { refusal } from '../refusals.js';

function scalarConst(g: IrGraph, name: string): number | undefined {
  const c = g.values.get(name)?.const;
  return c && c.data.length === 1 && (c.dtype === OnnxDataType.FLOAT || c.dtype === OnnxDataType.DOUBLE) ? c.data[0] : undefined;
}

const near = (v: number | undefined, want: number): boolean => v !== undefined && Math.abs(v - want) <= 1e-6 * Math.abs(want);

/** For a binary node with one scalar-constant input: [the other input, the constant]. */
function withConst(g: IrGraph, n: IrNode): [string, number] | undefined {
  if (n.inputs.length !== 2) return undefined;
  const [a, b] = n.inputs as [string, string];
  const cb = scalarConst(g, b);
  if (cb !== undefined && !g.values.get(a)?.const) return [a, cb];
  const ca = scalarConst(g, a);
  if (ca !== undefined && !g.values.get(b)?.const && n.op !== 'Div') return [b, ca];
  return undefined;
}

export function fuseGelu(g: IrGraph): number {
  const { producer, only } = graphLinks(g);
  const sameShape = (a: string, b: string): boolean => g.values.get(a)?.shape?.join() === g.values.get(b)?.shape?.join();
  let fused = 0;
  for (const erf of [...g.nodes]) {
    if (erf.op !== 'Erf') continue;
    const scaleNode = producer.get(erf.inputs[0]!);
    if (!scaleNode || only(erf.inputs[0]!) !== erf) continue;
    const scaled = withConst(g, scaleNode);
    if (!scaled) continue;
    const [x, k] = scaled;
    if (!((scaleNode.op === 'Div' && near(k, Math.SQRT2)) || (scaleNode.op === 'Mul' && near(k, Math.SQRT1_2)))) continue;
    const add = only(erf.outputs[0]!);
    if (add?.op !== 'Add' || !near(withConst(g, add)?.[1], 1)) continue;
    const m1 = only(add.outputs[0]!);
    if (m1?.op !== 'Mul' || m1.inputs.length !== 2) continue;
    const other = m1.inputs[0] === add.outputs[0] ? m1.inputs[1]! : m1.inputs[0]!;
    const removed: IrNode[] = [scaleNode, erf, add, m1];
    let final: string | undefined;
    const otherProducer = producer.get(other);
    const half = (n: IrNode | undefined, operand: string): boolean => n?.op === 'Mul' && withConst(g, n)?.[0] === operand && near(withConst(g, n)?.[1], 0.5);
    if (other === x || near(scalarConst(g, other), 0.5)) {
      // (x * (1+erf)) * 0.5, or ((1+erf) * 0.5) * x
      const m2 = only(m1.outputs[0]!);
      if (m2?.op !== 'Mul') continue;
      const ok = other === x ? half(m2, m1.outputs[0]!) : m2.inputs.length === 2 && m2.inputs.includes(m1.outputs[0]!) && m2.inputs.includes(x);
      if (!ok) continue;
      removed.push(m2);
      final = m2.outputs[0];
    } else if (otherProducer && half(otherProducer, x) && only(other) === m1) {
      // (x * 0.5) * (1+erf)
      removed.push(otherProducer);
      final = m1.outputs[0];
    }
    if (!final || !sameShape(final, x)) continue;
    const gelu: IrNode = { name: `${erf.name || final}_gelu`, op: 'Gelu', domain: '', since: 20, inputs: [x], outputs: [final], attrs: new Map() };
    // in place of the first removed node: after x's producer, before any reader of the result
    const first = g.nodes.find((n) => removed.includes(n));
    g.nodes = g.nodes.flatMap((n) => (n === first ? [gelu] : removed.includes(n) ? [] : [n]));
    fused++;
  }
  return fused;
}

/** Erf nodes the fusion left: blockers now, so they are listed with every other blocker of the model. */
export function leftoverErf(g: IrGraph, blockers: Blocker[]): void {
  for (const n of g.nodes) if (n.op === 'Erf') blockers.push({ node: n.name, op: n.op, version: n.since, ...refusal('erf-outside-gelu') });
}
