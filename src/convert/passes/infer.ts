/**
 * Shape inference and constant folding, node by node in topological order. Nodes whose inputs
 * are all constant (shape arithmetic of the legacy exporter) are evaluated here and disappear.
 */
import { MAX_ELEMENTS, TensorDataError } from '../../onnx/tensor.js';
import { NodeRefusal, refuse, refusalOf, type Blocker, type IrGraph, type IrNode } from '../ir.js';
import { refusal } from '../refusals.js';
import { InferContext, type Lowering, type OutputInfo } from '../lowering.js';
import { findLowering } from '../registry.js';

/** Orders nodes so producers come first; refuses a cycle. */
export function topoSort(g: IrGraph, blockers: Blocker[]): void {
  const producer = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const done = new Set<IrNode>();
  const visiting = new Set<IrNode>();
  const order: IrNode[] = [];
  const visit = (n: IrNode): void => {
    if (done.has(n)) return;
    if (visiting.has(n)) {
      blockers.push({ node: n.name, op: n.op, ...refusal('graph-cycle') });
      return;
    }
    visiting.add(n);
    // iterative enough for real models; depth is bounded by the node count
    for (const i of n.inputs) {
      const p = i ? producer.get(i) : undefined;
      if (p) visit(p);
    }
    visiting.delete(n);
    done.add(n);
    order.push(n);
  };
  for (const n of g.nodes) visit(n);
  g.nodes = order;
}

/** TFLite dims are int32: a shape out of that range (hostile or absurd attributes) is refused, not wrapped. */
function checkShape(shape: readonly number[], output: string): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS) refuse('shape-too-large', { value: output, shape: [...shape], max: MAX_ELEMENTS, role: 'output', problem: 'dims' });
    n *= d;
  }
  if (n > MAX_ELEMENTS) refuse('shape-too-large', { value: output, shape: [...shape], max: MAX_ELEMENTS, role: 'output', problem: 'elements' });
}

/** Before folding, the output sizes inference predicts must fit the fold limit (a broadcast can square them). */
function checkFoldShapes(lowering: Lowering, n: IrNode, ctx: InferContext): void {
  let outs: OutputInfo[];
  try {
    outs = lowering.infer(n, ctx);
  } catch {
    return; // inference may refuse what folding handles (e.g. integer shape arithmetic): fold decides
  }
  for (const o of outs) ctx.checkFoldSize(o.shape.reduce((p, d) => p * d, 1), n.op);
}

export function inferAndFold(g: IrGraph, blockers: Blocker[]): void {
  const ctx = new InferContext(g);
  const known = (name: string): boolean => !name || !!g.values.get(name)?.shape;
  for (const n of g.nodes) {
    if (!n.since) continue; // already blocked (unknown op/domain)
    const lowering = findLowering(n.op, n.since);
    if (!lowering) {
      blockers.push({ node: n.name, op: n.op, version: n.since, ...refusal('no-lowering', { op: n.op, version: n.since }) });
      continue;
    }
    for (const i of n.inputs) {
      if (i && !g.values.has(i)) {
        blockers.push({ node: n.name, op: n.op, version: n.since, ...refusal('never-produced', { value: i, role: 'input' }) });
      }
    }
    if (!n.inputs.every(known)) continue; // downstream of a blocker: reported there
    try {
      if (lowering.fold && !lowering.constantOnly && n.inputs.every((i) => !i || ctx.const(i))) checkFoldShapes(lowering, n, ctx);
      const folded = lowering.fold?.(n, ctx);
      folded?.forEach((c) => ctx.checkFoldSize(c.data.length, n.op));
      if (folded) {
        folded.forEach((c, k) => {
          const o = n.outputs[k];
          if (o) g.values.set(o, { name: o, dtype: c.dtype, shape: c.shape, const: c });
        });
        continue;
      }
      if (lowering.constantOnly) {
        blockers.push({ node: n.name, op: n.op, version: n.since, ...refusal('constant-only') });
        continue;
      }
      const outs = lowering.infer(n, ctx);
      outs.forEach((info, k) => checkShape(info.shape, n.outputs[k] ?? ''));
      outs.forEach((info, k) => {
        const o = n.outputs[k];
        if (o) g.values.set(o, { name: o, dtype: info.dtype, shape: info.shape });
      });
    } catch (err) {
      // a TensorDataError is a shape or payload the model declares but cannot hold (e.g. too large)
      if (!(err instanceof NodeRefusal) && !(err instanceof TensorDataError)) throw err;
      blockers.push({ node: n.name, op: n.op, version: n.since, ...refusalOf(err) });
    }
  }
}

/** Drops nodes folded to constants and nodes nothing uses. */
export function prune(g: IrGraph): void {
  g.nodes = g.nodes.filter((n) => !n.outputs.every((o) => !o || g.values.get(o)?.const));
  for (;;) {
    const used = new Set<string>(g.outputs);
    for (const n of g.nodes) for (const i of n.inputs) used.add(i);
    const before = g.nodes.length;
    g.nodes = g.nodes.filter((n) => n.outputs.some((o) => o && used.has(o)));
    if (g.nodes.length === before) return;
  }
}
