/** The conversion pipeline: ONNX model -> IR -> passes -> lowerings -> TFLite graph. */
import { OnnxDataType } from '../onnx/model.js';
import type { LoadedOnnx } from '../onnx/read.js';
import { TensorDataError, type ConstTensor } from '../onnx/tensor.js';
import { inputSizes, type InputSizes } from '../onnx/input-sizes.js';
import { buildIr } from './build-ir.js';
import { EmitContext } from './emit.js';
import { NodeRefusal, refusalOf, type Blocker, type IrGraph } from './ir.js';
import { refusal } from './refusals.js';
import { NHWC, identity, permute } from './layout.js';
import { foldBatchNorm } from './passes/fold-batchnorm.js';
import { fuseActivations } from './passes/fuse-activation.js';
import { fuseGelu, leftoverErf } from './passes/fuse-gelu.js';
import { inferAndFold, prune, topoSort } from './passes/infer.js';
import { checkIntArithmetic } from './passes/int-ranges.js';
import { readQdq } from './passes/qdq.js';
import { followTensors, qdqTensorParams, requantizesAt, type NodeSpan } from './qdq-tensors.js';
import type { GivenParams } from './quantize/int8.js';
import { shuffleIntoConv } from './passes/shuffle-into-conv.js';
import { shuffleToGather } from './passes/shuffle-to-gather.js';
import { slicesToSplit } from './passes/slices-to-split.js';
import { collapseReshapes } from './passes/collapse-reshapes.js';
import { findLowering } from './registry.js';
import { TfliteGraph } from './tflite/model.js';

/** InputSizes: what symbolic input dims become (--dim, --batch) */
export interface PipelineOptions extends InputSizes {
  nhwc?: boolean;
  /** channel shuffles as one Gather (see passes/shuffle-to-gather.ts) */
  gatherShuffles?: boolean;
  constants?: Map<string, ConstTensor>;
  onProgress?: (msg: string) => void;
}

export interface PipelineResult {
  graph: TfliteGraph;
  ir: IrGraph;
  blockers: Blocker[];
  stats: { nodesIn: number; foldedBatchNorms: number; fusedActivations: number; shufflesAbsorbed: number; shufflesGathered: number };
  /** a QDQ model's own int8 params on the float graph's tensors (for the int8 pass) */
  qdq?: GivenParams;
}

function ioPerm(rank: number, nhwc: boolean): number[] {
  return nhwc && rank === 4 ? [...NHWC] : identity(rank);
}

export function convertModel(loaded: LoadedOnnx, opts: PipelineOptions = {}): PipelineResult {
  const progress = opts.onProgress ?? (() => {});
  const { ir, blockers } = buildIr(loaded, {
    ...inputSizes(opts),
    ...(opts.constants ? { constants: opts.constants } : {}),
  });
  const nodesIn = ir.nodes.length;
  topoSort(ir, blockers);
  readQdq(ir, blockers);
  inferAndFold(ir, blockers);
  prune(ir);
  fuseGelu(ir);
  leftoverErf(ir, blockers);
  const slicesSplit = slicesToSplit(ir);
  const foldedBatchNorms = foldBatchNorm(ir);
  const fusedActivations = fuseActivations(ir);
  // GATHER when asked for (onnx2tf's form); otherwise shuffles go into the convs after them
  const shufflesGathered = opts.gatherShuffles ? shuffleToGather(ir) : 0;
  // in a QDQ model the permuted weights take their params along (ir.qdq is keyed by value name)
  const shufflesAbsorbed = shuffleIntoConv(ir);
  prune(ir);
  if (!blockers.length) checkIntArithmetic(ir, blockers);
  progress(`analysed ${nodesIn} nodes: ${ir.nodes.length} left after folding constants, ${foldedBatchNorms} BatchNormalization folded, ${fusedActivations} activations fused, ${slicesSplit} axis-tiling Slice groups as one Split, ${shufflesAbsorbed} channel shuffles absorbed by convs${opts.gatherShuffles ? `, ${shufflesGathered} channel shuffles as one Gather` : ''}`);
  const graph = new TfliteGraph();
  const stats = { nodesIn, foldedBatchNorms, fusedActivations, shufflesAbsorbed, shufflesGathered };
  if (blockers.length) return { graph, ir, blockers, stats };

  const ctx = new EmitContext(ir, graph);
  const nhwc = !!opts.nhwc;
  for (const name of ir.inputs) {
    const shape = ir.values.get(name)!.shape!;
    const perm = ioPerm(shape.length, nhwc);
    const t = graph.addTensor(name, permute(shape, perm), ctx.tensorType(name));
    ctx.define(name, t, perm);
    graph.inputs.push(t);
    graph.signatureInputs.push({ name, tensor: t });
  }
  const spans: NodeSpan[] = [];
  for (const n of ir.nodes) {
    const lowering = findLowering(n.op, n.since)!;
    try {
      const first = graph.operators.length;
      lowering.lower(n, ctx);
      spans.push({ node: n, first, end: graph.operators.length });
    } catch (err) {
      if (!(err instanceof NodeRefusal) && !(err instanceof TensorDataError)) throw err;
      blockers.push({ node: n.name, op: n.op, version: n.since, ...refusalOf(err) });
    }
  }
  if (blockers.length) return { graph, ir, blockers, stats };
  for (const name of ir.outputs) {
    const v = ir.values.get(name);
    if (!v?.shape) {
      blockers.push({ op: '(output)', node: name, ...refusal('never-produced', { value: name, role: 'output' }) });
      continue;
    }
    if (v.dtype !== OnnxDataType.FLOAT) {
      // as for inputs: runtimes (LiteRT.js among them) take float32 model I/O; a bool mask output is refused
      blockers.push({ op: '(output)', node: name, ...refusal('dtype-unsupported', { value: name, dtype: v.dtype, role: 'output', expected: 'float32' }) });
      continue;
    }
    let t: number;
    try {
      t = ctx.getAs(name, ioPerm(v.shape.length, nhwc));
    } catch (err) {
      if (!(err instanceof NodeRefusal)) throw err;
      blockers.push({ op: '(output)', node: name, ...err.refusal });
      continue;
    }
    if (v.const || graph.inputs.includes(t) || graph.outputs.includes(t)) {
      // an output that is a constant (folded), a graph input (Identity, Dropout, identity Transpose) or
      // another output gets its own tensor: runtimes expect outputs to be written by an operator
      const copy = graph.addTensor(name, graph.tensors[t]!.shape, graph.tensors[t]!.type);
      graph.addOp('RESHAPE', [t, graph.addInt32Const(`${name}_shape`, [graph.tensors[t]!.shape.length], graph.tensors[t]!.shape)], [copy]);
      t = copy;
    }
    if (graph.tensors[t]!.name !== name) {
      const clash = graph.tensors.findIndex((x) => x.name === name);
      if (clash >= 0) graph.renameTensor(clash, `${name}_internal`);
      graph.renameTensor(t, name);
    }
    graph.outputs.push(t);
    graph.signatureOutputs.push({ name, tensor: t });
  }
  if (blockers.length) return { graph, ir, blockers, stats };
  // a QDQ model's params, gathered on the emitted tensors, follow them through the TFLite passes
  const given = ir.qdq ? qdqTensorParams(ir, ctx, graph, spans) : undefined;
  const followed = given && followTensors(given, graph);
  const reshapesCollapsed = collapseReshapes(graph, given && requantizesAt(given, graph));
  progress(`lowered to ${graph.operators.length} TFLite operators, ${graph.tensors.length} tensors (${reshapesCollapsed} RESHAPE chains collapsed)`);
  return { graph, ir, blockers, stats, ...(followed ? { qdq: followed() } : {}) };
}
