/** Turns a decoded ONNX model into the IR: resolved since_versions, input shapes, constants. */
import { OnnxDataType } from '../onnx/model.js';
import { maxKnownOpset, resolveSinceVersion } from '../onnx/opsets.js';
import { loadTensor, type LoadedOnnx } from '../onnx/read.js';
import { symbolicDimSize, type InputSizes } from '../onnx/input-sizes.js';
import { MAX_ELEMENTS, type ConstTensor } from '../onnx/tensor.js';
import type { Blocker, IrGraph, IrNode } from './ir.js';
import { refusal } from './refusals.js';

/** InputSizes: sizes for symbolic dims by name (torch's dynamic axis 'sequence'), before the batch (default 1) */
export interface BuildOptions extends InputSizes {
  /** graph inputs to treat as constants with these values (e.g. a conformance test's parameter inputs) */
  constants?: Map<string, ConstTensor>;
}

export interface BuiltIr {
  ir: IrGraph;
  blockers: Blocker[];
}

export function buildIr(loaded: LoadedOnnx, opts: BuildOptions = {}): BuiltIr {
  const { model } = loaded;
  const g = model.graph;
  const blockers: Blocker[] = [];
  const ir: IrGraph = { nodes: [], values: new Map(), inputs: [], outputs: [], notes: [] };
  const opset = model.opsets.get('');
  if (opset === undefined) blockers.push({ op: '(model)', ...refusal('no-opset') });
  else if (opset > maxKnownOpset()) {
    blockers.push({ op: '(model)', version: opset, ...refusal('opset-too-new', { opset, max: maxKnownOpset() }) });
  }
  if (g.sparseInitializers) blockers.push({ op: '(model)', ...refusal('sparse-initializers') });
  if (model.functions) blockers.push({ op: '(model)', ...refusal('model-functions') });

  for (const [name, c] of loaded.initializers) ir.values.set(name, { name, dtype: c.dtype, shape: c.shape, const: c });

  for (const [name, c] of opts.constants ?? []) ir.values.set(name, { name, dtype: c.dtype, shape: c.shape, const: c });
  for (const vi of g.inputs) {
    if (ir.values.has(vi.name)) continue; // an initializer listed as input (IR < 4 style), or frozen: a constant
    ir.inputs.push(vi.name);
    // integer inputs (token ids, attention masks) are int32 in the .tflite (emit.ts tensorType); int64
    // arithmetic on them is computed in int32 only where passes/int-ranges.ts proves or bounds it
    const dtype = vi.elemType;
    if (dtype === OnnxDataType.INT64) {
      ir.notes.push({ code: 'int64-input-as-int32', input: vi.name });
    } else if (dtype !== OnnxDataType.FLOAT && dtype !== OnnxDataType.INT32) {
      blockers.push({ op: '(input)', node: vi.name, ...refusal('dtype-unsupported', { value: vi.name, dtype: vi.elemType, role: 'input', expected: 'float32, int32 and int64' }) });
    }
    if (!vi.shape) {
      blockers.push({ op: '(input)', node: vi.name, ...refusal('input-no-shape', { input: vi.name }) });
      ir.values.set(vi.name, { name: vi.name, dtype });
      continue;
    }
    const shape: number[] = [];
    let ok = true;
    vi.shape.forEach((d, i) => {
      if (typeof d === 'number' && d > MAX_ELEMENTS) {
        ok = false;
        blockers.push({ op: '(input)', node: vi.name, ...refusal('input-dim', { input: vi.name, dim: i, size: d, problem: 'int32' }) });
      } else if (typeof d === 'number' && d > 0) shape.push(d);
      else if (d === 0) {
        ok = false;
        blockers.push({ op: '(input)', node: vi.name, ...refusal('input-dim', { input: vi.name, dim: i, size: 0, problem: 'empty' }) });
      } else if (symbolicDimSize(d, i, opts)) {
        const { size, by } = symbolicDimSize(d, i, opts)!;
        shape.push(size);
        ir.notes.push(by === 'name'
          ? { code: 'named-dim', input: vi.name, dim: String(d), size }
          : { code: 'symbolic-batch', input: vi.name, dim: d == null ? null : String(d), size });
      } else {
        ok = false;
        blockers.push({ op: '(input)', node: vi.name, ...refusal('input-dim', { input: vi.name, dim: i, size: d ?? null, problem: 'dynamic' }) });
      }
    });
    if (ok && shape.reduce((n, d) => n * d, 1) > MAX_ELEMENTS) {
      ok = false;
      blockers.push({ op: '(input)', node: vi.name, ...refusal('shape-too-large', { value: vi.name, shape, max: MAX_ELEMENTS, role: 'input', problem: 'elements' }) });
    }
    ir.values.set(vi.name, ok ? { name: vi.name, dtype, shape } : { name: vi.name, dtype });
  }
  ir.outputs = g.outputs.map((o) => o.name);
  // onnxruntime refuses such a model too; a .tflite without outputs computes nothing
  if (!ir.outputs.length) blockers.push({ op: '(model)', ...refusal('no-outputs') });

  for (const n of g.nodes) {
    const node: IrNode = { name: n.name, op: n.opType, domain: n.domain, since: 0, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs };
    if (n.domain !== '' && n.domain !== 'ai.onnx') {
      blockers.push({ node: n.name, op: `${n.domain}:${n.opType}`, ...refusal('custom-domain', { domain: n.domain }) });
    } else if (opset !== undefined) {
      const since = resolveSinceVersion(n.opType, opset);
      if (since === undefined) blockers.push({ node: n.name, op: n.opType, ...refusal('not-an-operator', { op: n.opType, opset: opset! }) });
      else node.since = since;
    }
    for (const [k, a] of n.attrs) {
      if (a.type === 'tensor') {
        try {
          node.tensorAttrs ??= new Map<string, ConstTensor>();
          node.tensorAttrs.set(k, loadTensor(a.value, loaded.external, loaded.path));
        } catch (err) {
          blockers.push({ node: n.name, op: n.opType, ...refusal('tensor-data', { attr: k, detail: (err as Error).message }) });
        }
      } else if (a.type === 'graph') {
        blockers.push({ node: n.name, op: n.opType, version: node.since, ...refusal('control-flow') });
      }
    }
    ir.nodes.push(node);
    for (const o of n.outputs) if (o && !ir.values.has(o)) ir.values.set(o, { name: o, dtype: 0 });
  }
  return { ir, blockers };
}
