/**
 * Operands computed at run time where a TFLite kernel takes a tensor: Gemm with a run-time B (and C)
 * as FULLY_CONNECTED with tensor weights. Structure, then numbers: onnxruntime-node vs LiteRT.js on
 * seeded random inputs (every graph input random), tolerance 1e-4 x max(1, max|y|).
 */
import { describe, expect, it } from 'vitest';
import { ConversionRefused, convertFile } from '../../src/convert/index.js';
import { type ModelSpec, type NodeSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify, writeModel } from './helpers/run.js';

function graph(inputs: [string, number[]][], nodes: NodeSpec[]): ModelSpec {
  return { opset: 13, inputs: inputs.map(([name, shape]) => ({ name, shape })), outputs: [{ name: 'y', shape: null }], nodes };
}

const cases: { name: string; spec: ModelSpec; ops: string[] }[] = [
  {
    name: 'Gemm, run-time B (transB=0: TRANSPOSE to [N, K]), no C',
    spec: graph([['a', [3, 5]], ['b', [5, 4]]], [{ op: 'Gemm', inputs: ['a', 'b'], outputs: ['y'] }]),
    ops: ['TRANSPOSE', 'FULLY_CONNECTED'],
  },
  {
    name: 'Gemm, run-time B (transB=1) and C [N], alpha 0.5, beta 2, transA, then Relu fused into the ADD',
    spec: graph([['a', [5, 3]], ['b', [4, 5]], ['c', [4]]], [
      { op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['g'], attrs: { transA: { i: 1 }, transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } } },
      { op: 'Relu', inputs: ['g'], outputs: ['y'] },
    ]),
    ops: ['TRANSPOSE', 'MUL', 'FULLY_CONNECTED', 'MUL', 'ADD'],
  },
  {
    name: 'Gemm, run-time B and a run-time [M, N] C',
    spec: graph([['a', [2, 3]], ['b', [3, 4]], ['c', [2, 4]]], [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'] }]),
    ops: ['TRANSPOSE', 'FULLY_CONNECTED', 'ADD'],
  },
];

describe('run-time operands: structure and numbers (onnxruntime-node vs LiteRT.js)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conv = await convertSpec(c.spec);
      expect(conv.ops, conv.ops.join()).toEqual(c.ops);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    });
  }

  it('refuses, with the reason, operands its kernels need constant: Conv and ConvTranspose weights', async () => {
    const p = writeModel({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }, { name: 'w', shape: [3, 2, 1, 1] }, { name: 'wt', shape: [2, 3, 1, 1] }],
      outputs: ['a', 'b'].map((name) => ({ name, shape: null })),
      nodes: [
        { op: 'Conv', name: 'conv', inputs: ['x', 'w'], outputs: ['a'] },
        { op: 'ConvTranspose', name: 'deconv', inputs: ['x', 'wt'], outputs: ['b'] },
      ],
    });
    const err = await convertFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionRefused);
    const why = Object.fromEntries((err as ConversionRefused).blockers.map((b) => [b.node, { code: b.code, args: b.args }]));
    expect(why).toEqual({ conv: { code: 'const-input-required', args: { input: 'weights', index: 1 } }, deconv: { code: 'const-input-required', args: { input: 'weights', index: 1 } } });
    expect((err as Error).message).toMatch(/weights \(input 1\) is not a constant/);
  });
});
