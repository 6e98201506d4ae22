/** Public API of the native ONNX -> TFLite converter. */
import { performance } from 'node:perf_hooks';
import { readOnnxFile } from '../onnx/read.js';
import { convertModel } from './convert.js';
import { ConversionRefused } from './refusal.js';
import { writeTflite } from './tflite/write.js';

export { ConversionRefused } from './refusal.js';
export { supportedOps } from './registry.js';
export type { Blocker } from './ir.js';

export interface ConvertOptions {
  /** make the .tflite's own 4-D inputs/outputs NHWC (default: keep the ONNX NCHW signature) */
  nhwc?: boolean;
  /** value for a symbolic batch dimension (default 1) */
  batch?: number;
  onProgress?: (msg: string) => void;
}

export interface ConvertSummary {
  opsIn: number;
  opsOut: number;
  opCounts: Record<string, number>;
  tensors: number;
  bytes: number;
  ms: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** things the user should know (e.g. a symbolic batch taken as 1) */
  notes?: string[];
  foldedBatchNorms?: number;
  fusedActivations?: number;
  layout?: 'nchw-io' | 'nhwc-io';
}

export async function convertFile(onnxPath: string, opts: ConvertOptions = {}): Promise<{ tflite: Uint8Array; summary: ConvertSummary }> {
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const loaded = readOnnxFile(onnxPath);
  progress(`read ${onnxPath}: ${loaded.model.graph.nodes.length} nodes, ${loaded.initializers.size} initializers`);
  const { graph, ir, blockers, stats } = convertModel(loaded, opts);
  if (blockers.length) throw new ConversionRefused(onnxPath, blockers);
  const tflite = writeTflite(graph);
  const opCounts: Record<string, number> = {};
  for (const op of graph.operators) opCounts[op.op] = (opCounts[op.op] ?? 0) + 1;
  const ms = performance.now() - t0;
  progress(`wrote ${tflite.length} bytes in ${ms.toFixed(0)} ms`);
  return {
    tflite,
    summary: {
      opsIn: stats.nodesIn,
      opsOut: graph.operators.length,
      opCounts,
      tensors: graph.tensors.length,
      bytes: tflite.length,
      ms,
      inputs: graph.signatureInputs.map((s) => ({ name: s.name, shape: graph.tensors[s.tensor]!.shape })),
      outputs: graph.signatureOutputs.map((s) => ({ name: s.name, shape: graph.tensors[s.tensor]!.shape })),
      notes: ir.notes,
      foldedBatchNorms: stats.foldedBatchNorms,
      fusedActivations: stats.fusedActivations,
      layout: opts.nhwc ? 'nhwc-io' : 'nchw-io',
    },
  };
}
