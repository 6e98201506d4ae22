// Reads what the model check needs from an ONNX file: its opset imports, the (op, version) of every
// node (subgraphs included, in graph order) and the graph inputs a converter feeds. Tensor payloads
// (inline or external) are not read. A file that is not ONNX is one UserError line.
import { readFileSync } from 'node:fs';
import type { OnnxGraph } from '../onnx/model.js';
import { parseOnnxBytes } from '../onnx/read.js';
import { resolveSinceVersion } from '../optables/coverage.js';
import { UserError } from '../util/errors.js';

export interface ModelOp {
  op: string;
  /** '' = ai.onnx */
  domain: string;
  /** the since_version the node resolves to at the model's opset; null for an op the schemas do not know */
  version: number | null;
  /** the first node of this op (its name, or op#index when unnamed) */
  node: string;
  /** how many nodes use it */
  count: number;
}

export interface ModelOps {
  path: string;
  producer: string;
  irVersion: number;
  /** ai.onnx opset; null when the model imports none (then it has no default-domain node) */
  opset: number | null;
  /** every opset import, domain -> version ('' = ai.onnx) */
  opsets: Record<string, number>;
  /** one entry per (domain, op), in the order the graph first uses them */
  ops: ModelOp[];
  /** graph inputs a caller feeds (initializers listed as inputs are left out) */
  inputs: string[];
}

export function readModelOps(path: string): ModelOps {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const model = parseOnnxBytes(bytes, path);
  const opsets = Object.fromEntries(model.opsets);
  const opset = model.opsets.get('') ?? null;
  const ops = new Map<string, ModelOp>();
  let index = 0;
  const walk = (graph: OnnxGraph): void => {
    for (const node of graph.nodes) {
      const domain = node.domain === 'ai.onnx' ? '' : node.domain;
      const key = `${domain}\0${node.opType}`;
      const seen = ops.get(key);
      if (seen) seen.count++;
      else {
        if (domain === '' && opset === null) throw new UserError(`${path}: not a usable ONNX model (node ${node.name || node.opType} is ai.onnx, but the model imports no ai.onnx opset)`);
        ops.set(key, {
          op: node.opType, domain, node: node.name || `${node.opType}#${index}`, count: 1,
          version: domain === '' ? resolveSinceVersion(node.opType, opset!) : (model.opsets.get(domain) ?? null),
        });
      }
      index++;
      for (const attr of node.attrs.values()) if (attr.type === 'graph') walk(attr.value);
    }
  };
  walk(model.graph);
  if (index === 0) throw new UserError(`${path}: not a usable ONNX model (its graph has no nodes)`);
  const initializers = new Set(model.graph.initializers.map((t) => t.name));
  return {
    path, producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '), irVersion: model.irVersion,
    opset, opsets, ops: [...ops.values()], inputs: model.graph.inputs.map((i) => i.name).filter((n) => !initializers.has(n)),
  };
}
