import { describe, expect, it } from 'vitest';
import { NHWC, planReshape, transposeData } from '../../src/convert/layout.js';
import { choosePadding, samePads } from '../../src/convert/geometry.js';

describe('padding: TFLite SAME vs PyTorch symmetric pads', () => {
  it('SAME puts the odd pixel at the end', () => {
    expect(samePads(224, 3, 2, 1)).toEqual([0, 1]); // stride-2 3x3 on an even input
    expect(samePads(225, 3, 2, 1)).toEqual([1, 1]);
    expect(samePads(8, 5, 1, 1)).toEqual([2, 2]);
    expect(samePads(4, 1, 2, 1)).toEqual([0, 0]);
  });
  it('PyTorch pad 1 on a stride-2 3x3 conv over an even input needs an explicit PAD; odd input is SAME', () => {
    const a = { kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] };
    expect(choosePadding([224, 224], a)).toEqual({ mode: 'EXPLICIT', pads: [1, 1, 1, 1] });
    expect(choosePadding([225, 225], a)).toEqual({ mode: 'SAME' });
    expect(choosePadding([224, 224], { ...a, pads: [0, 0, 0, 0] })).toEqual({ mode: 'VALID' });
    expect(choosePadding([224, 224], { ...a, strides: [1, 1] })).toEqual({ mode: 'SAME' });
  });
});

describe('layout planning', () => {
  it('channel split of an NHWC tensor is a plain reshape with the new axes last', () => {
    const p = planReshape([1, 8, 4, 4], NHWC, [1, 2, 4, 4, 4]);
    expect(p).toEqual({ kind: 'direct', outPerm: [0, 3, 4, 1, 2] });
  });
  it('merging axes whose memory order is reversed transposes first', () => {
    // after the shuffle's Transpose(0,2,1,3,4) relabelling, the two channel factors are stored (g, c/g)
    const p = planReshape([1, 4, 2, 4, 4], [0, 3, 4, 2, 1], [1, 8, 4, 4]);
    expect(p).toEqual({ kind: 'transpose-first', inPerm: [0, 3, 4, 1, 2], outPerm: NHWC });
  });
  it('flattening [N,C,1,1] from NHWC needs no transpose; [N,C,H,W] with H*W>1 does', () => {
    expect(planReshape([1, 16, 1, 1], NHWC, [1, 16])).toEqual({ kind: 'direct', outPerm: [0, 1] });
    expect(planReshape([1, 16, 2, 2], NHWC, [1, 64]).kind).toBe('transpose-first');
  });
  it('transposeData moves constant data into the physical layout', () => {
    // [1,2,1,3] NCHW -> NHWC [1,1,3,2]
    const d = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(transposeData(d, [1, 2, 1, 3], NHWC))).toEqual([1, 4, 2, 5, 3, 6]);
    // OIHW [2,1,1,2] -> [1,1,2,2] (depthwise filter layout)
    expect(Array.from(transposeData(Float32Array.from([1, 2, 3, 4]), [2, 1, 1, 2], [1, 2, 3, 0]))).toEqual([1, 3, 2, 4]);
  });
  it('transposeData equals the element-by-element definition for every permutation of ranks 2-5 (size-1 axes, block swaps, the general walk)', () => {
    // out[j] = in[sum_i idx_out[i] * stride_in[perm[i]]], computed index by index
    const reference = (data: Float64Array, shape: number[], perm: number[]) => {
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const outShape = perm.map((a) => shape[a]!);
      return Array.from(data, (_, j) => {
        let rest = j;
        let src = 0;
        for (let i = outShape.length - 1; i >= 0; i--) { src += (rest % outShape[i]!) * strides[perm[i]!]!; rest = Math.floor(rest / outShape[i]!); }
        return data[src]!;
      });
    };
    const perms = (n: number): number[][] => (n === 1 ? [[0]] : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)])));
    let seed = 7;
    const rnd = (k: number) => { seed = (seed * 16807) % 2147483647; return seed % k; };
    let checked = 0;
    for (let rank = 2; rank <= 5; rank++) {
      for (const perm of perms(rank)) {
        for (let t = 0; t < 3; t++) {
          const shape = Array.from({ length: rank }, () => [1, 2, 3, 4][rnd(4)]!);
          const n = shape.reduce((a, b) => a * b, 1);
          const data = Float64Array.from({ length: n }, (_, i) => i);
          expect(Array.from(transposeData(data, shape, perm)), `[${shape}] perm [${perm}]`).toEqual(reference(data, shape, perm));
          checked++;
        }
      }
    }
    expect(checked).toBe(3 * (2 + 6 + 24 + 120));
  });
});
