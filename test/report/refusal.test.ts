// Every refusal code in the catalogue (src/convert/refusals.ts) has words (src/report/refusal.ts), and the
// words carry the refusal's arguments: names, values, shapes and limits appear in the text. Arguments that
// select a phrasing (an enum such as `problem`, `role`, `basis`, `need`, `feature`) are worded instead.
import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES, type Refusal, type RefusalArgs, type RefusalCode } from '../../src/convert/refusals.js';
import { blockerDocument, blockerText, refusalText } from '../../src/report/refusal.js';

type Sample<K extends RefusalCode = RefusalCode> = { args: RefusalArgs[K]; worded?: string[] };

/** At least one sample per code; codes with phrasings chosen by an argument have one per phrasing. */
const SAMPLES: { [K in RefusalCode]: Sample<K>[] } = {
  'no-opset': [{ args: {} }],
  'opset-too-new': [{ args: { opset: 99, max: 25 } }],
  'sparse-initializers': [{ args: {} }],
  'model-functions': [{ args: {} }],
  'no-outputs': [{ args: {} }],
  'graph-cycle': [{ args: {} }],
  'input-no-shape': [{ args: { input: 'pixel_values' } }],
  'input-dim': [
    { args: { input: 'x', dim: 2, size: 'H', problem: 'dynamic' }, worded: ['problem'] },
    { args: { input: 'x', dim: 1, size: 0, problem: 'empty' }, worded: ['problem'] },
    { args: { input: 'x', dim: 1, size: 9007199254740991, problem: 'int32' }, worded: ['problem'] },
  ],
  'never-produced': [{ args: { value: 'hidden', role: 'input' } }, { args: { value: 'logits', role: 'output' } }, { args: { value: 'tmp_3', role: 'value' }, worded: ['role'] }],
  'shape-unknown': [{ args: { value: 'tmp_7' } }],
  'custom-domain': [{ args: { domain: 'com.microsoft' } }],
  'not-an-operator': [{ args: { op: 'Frobnicate', opset: 17 } }],
  'no-lowering': [{ args: { op: 'LRN', version: 13 } }],
  'control-flow': [{ args: {} }],
  'constant-only': [{ args: {} }],
  'tensor-data': [{ args: { detail: "tensor 'w' has 12 bytes of data, expected 16" } }, { args: { detail: 'tensor of shape [1,2] is too large', attr: 'value' } }],
  'fused-activation': [{ args: { kernel: 'BATCH_MATMUL' } }],
  'attr-type': [{ args: { attr: 'axis', type: 'float', expected: 'int' } }],
  'attr-unknown': [{ args: { attr: 'frobnicate' } }],
  'attr-missing': [{ args: { attr: 'kernel_shape' } }],
  'attr-unsupported': [{ args: { attr: 'mode', value: 'reflect', supported: 'constant' } }, { args: { attr: 'group', value: 3 } }],
  'attr-version': [{ args: { attr: 'mode', value: 'cubic', since: 11 } }],
  'training-mode': [{ args: { feature: 'training_mode' } }, { args: { feature: 'running-stats' }, worded: ['feature'] }],
  'dropout-random': [{ args: { ratio: 0.5 } }],
  'input-missing': [{ args: { input: 'starts', index: 1 } }],
  'const-input-required': [{ args: { input: 'scales', index: 2 } }],
  'not-constant': [{ args: { value: 'shape_of_x' } }],
  'no-inputs': [{ args: {} }],
  'dtype-unsupported': [
    { args: { value: 'ids', dtype: 7, role: 'activation', expected: 'float32' } },
    { args: { value: 'mask', dtype: 9, role: 'value' } },
  ],
  'cast-unsupported': [{ args: { to: 8 } }, { args: { from: 1, to: 7 } }],
  'int32-range': [
    { args: { what: 'shape', name: 'x', value: 4294967301 }, worded: ['what'] },
    { args: { what: 'constant', name: 'c', value: -3000000000 }, worded: ['what'] },
    { args: { what: 'option', name: 'axis', value: 2147483648, op: 'CONCATENATION' }, worded: ['what'] },
  ],
  'inexact-exponent': [{ args: { exponent: 33554433 } }],
  'integer-fold-inexact': [{ args: { op: 'ReduceProd' } }],
  'rank-unsupported': [{ args: { operand: 'a', rank: 1, min: 2 } }, { args: { operand: 'w', rank: 3, min: 4, max: 4 } }, { args: { operand: 'x', rank: 7, max: 5 } }],
  'spatial-rank': [{ args: { rank: 5 } }],
  'kernel-rank-limit': [{ args: { kernel: 'STRIDED_SLICE', rank: 6, max: 5 } }],
  'axis-out-of-range': [{ args: { axis: -5, rank: 4 } }],
  'axes-invalid': [{ args: { axes: [1, 1], rank: 3 } }],
  'perm-invalid': [{ args: { perm: [0, 2, 2], rank: 3 } }],
  'softmax-axis': [{ args: { axis: 1 } }],
  'squeeze-size': [{ args: { axis: 1, size: 4 } }],
  'no-broadcast': [{ args: { shape: [2, 3], to: [4, 3] } }, { args: { operand: 'slope', shape: [5], to: [1, 4, 2, 2] } }],
  'inner-dims-differ': [{ args: { a: [2, 3], b: [4, 5] } }],
  'shape-mismatch': [{ args: { operand: 'scale', shape: [3], expected: [4] } }],
  'inputs-mismatch': [{ args: { shapes: [[1, 2, 3], [1, 5, 4]], axis: 1 } }],
  'count-mismatch': [{ args: { what: 'pads', count: 3, expected: 4, basis: 'kernel-rank-pairs' }, worded: ['basis'] }, { args: { what: 'scale', count: 3, expected: 8, basis: 'axis-size', axis: 0 }, worded: ['basis'] }],
  'kernel-shape-mismatch': [{ args: { kernel: [3, 3], weights: [8, 4, 5, 5] } }],
  'group-mismatch': [{ args: { group: 3, channels: 8, weights: [8, 4, 1, 1] } }],
  'reshape-invalid': [{ args: { from: [2, 3], to: [4, -1] } }],
  'shape-invalid': [{ args: { shape: [2, -3] } }],
  'split-invalid': [{ args: { split: [2, 2], length: 5 } }],
  'empty-output': [{ args: {} }, { args: { shape: [1, 0, 4] } }],
  'shape-too-large': [
    { args: { value: 'big', shape: [65536, 65536], max: 2147483647, role: 'output', problem: 'elements' }, worded: ['problem'] },
    { args: { value: 'x', shape: [4294967296], max: 2147483647, role: 'input', problem: 'dims' }, worded: ['problem'] },
  ],
  'fold-too-large': [{ args: { count: 4194304, limit: 1048576, op: 'ConstantOfShape', floor: 1048576 } }, { args: { count: 33554432, limit: 16777216 } }],
  'values-invalid': [{ args: { what: 'strides', values: [0, 1], need: 'at-least-1' }, worded: ['need'] }],
  'negative-pads': [{ args: { pads: [0, -1, 0, 0] } }],
  'pads-exceed-window': [{ args: { pads: [2, 2, 2, 2], window: 2 } }],
  'output-padding': [{ args: { value: 3, stride: 2, dilation: 1 } }],
  'ceil-mode-end-window': [{ args: {} }],
  'upsample-below-one': [{ args: { scales: [1, 1, 0.5, 0.5] } }],
  'align-corners-fractional': [{ args: {} }],
  'resize-no-size': [{ args: {} }],
  'noop-empty-axes': [{ args: {} }],
  'fmod-float': [{ args: {} }],
  'modulo-by-zero': [{ args: {} }],
  'output-unsupported': [{ args: { output: 'Indices' } }],
  'index-out-of-range': [{ args: { index: 7, size: 4 } }, { args: { index: -9 } }],
  'indices-mismatch': [{ args: { indices: [2, 4], data: [3] } }],
  'duplicate-indices': [{ args: {} }],
  'einsum-invalid': [
    { args: { equation: 'ij,jk->!', problem: 'syntax' }, worded: ['problem'] },
    { args: { equation: 'ij,jk->ik', problem: 'operand-count', operands: 2, inputs: 3 }, worded: ['problem'] },
    { args: { equation: 'ijk,jk->ik', problem: 'term-rank', term: 'ijk', operand: 0, rank: 2 }, worded: ['problem'] },
  ],
  'einsum-unsupported': [
    { args: { equation: 'ii->i', feature: 'diagonal', letters: 'ii' }, worded: ['feature'] },
    { args: { equation: 'ij,ij->ij', feature: 'broadcast', letters: 'j', sizes: [3, 1] }, worded: ['feature'] },
    { args: { equation: 'ij->ii', feature: 'output', letters: 'ii' }, worded: ['feature'] },
    { args: { equation: 'ij->i', feature: 'one-operand-sum' }, worded: ['feature'] },
    { args: { equation: 'i,i,i->i', feature: 'operands' }, worded: ['feature'] },
    { args: { equation: 'ij,jk->i', feature: 'summed-within', letters: 'k' }, worded: ['feature'] },
  ],
  'erf-outside-gelu': [{ args: {} }],
  'int64-overflow': [{ args: { lo: -3000000000, hi: 3000000000 } }],
  qoperator: [{ args: {} }],
  'dq-unpaired': [{ args: {} }],
  'q-unpaired': [{ args: {} }],
  'qdq-per-axis-activation': [{ args: { value: 'x' } }],
  'qdq-activation-type': [{ args: { dtype: 5 }, worded: ['dtype'] }],
  'qdq-params-differ': [{ args: { quantize: { scale: [0.5], zeroPoint: [3] }, dequantize: { scale: [0.25], zeroPoint: [-1] } } }],
  'qdq-quantized-twice': [{ args: { value: 'h', first: { scale: [0.5], zeroPoint: [3] }, second: { scale: [0.125], zeroPoint: [0] } } }],
  'qdq-asymmetric-weights': [{ args: { weights: 'w', dtype: 3, zeroPoints: [3, 5] }, worded: ['dtype'] }],
  'qdq-output-dtype': [{ args: { outputDtype: 3, zeroPointDtype: 2 } }],
  'qdq-blocked': [{ args: {} }, { args: { scaleRank: 2 } }],
  'qdq-type': [{ args: { dtype: 12 } }],
};

/** The literal forms an argument may take in the text. */
function forms(v: unknown): string[][] {
  if (typeof v === 'string' || typeof v === 'number') return [[String(v)]];
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? [[`[${v.join(',')}]`, v.join(', '), v.join(' and '), v.join('')]] : v.flatMap(forms);
  if (v && typeof v === 'object') return Object.values(v).flatMap(forms);
  return [];
}

describe('refusal wording (src/report/refusal.ts)', () => {
  it('the catalogue lists every code once, and the samples cover each', () => {
    expect(new Set(REFUSAL_CODES).size).toBe(REFUSAL_CODES.length);
    expect(Object.keys(SAMPLES).sort()).toEqual([...REFUSAL_CODES].sort());
    // a few dozen kinds of refusal, each a shape many sites share
    expect(REFUSAL_CODES.length).toBeGreaterThan(30);
    expect(REFUSAL_CODES.length).toBeLessThan(100);
  });

  for (const code of REFUSAL_CODES) {
    it(`${code}: words that carry its arguments`, () => {
      for (const { args, worded = [] } of SAMPLES[code] as Sample[]) {
        const text = refusalText({ code, args } as Refusal);
        expect(text.trim().length, code).toBeGreaterThan(0);
        expect(text, code).not.toMatch(/undefined|\[object Object\]|NaN/);
        for (const [key, value] of Object.entries(args)) {
          if (worded.includes(key)) continue;
          for (const alternatives of forms(value)) {
            expect(alternatives.some((a) => text.includes(a)), `${code}: '${key}' (${alternatives[0]}) not in "${text}"`).toBe(true);
          }
        }
      }
    });
  }

  it('a blocker in one line (op, version, node, words) and as a JSON document (its data and its words)', () => {
    const b = { node: 'pad0', op: 'Pad', version: 13, code: 'attr-unsupported', args: { attr: 'mode', value: 'reflect' } } as const;
    expect(blockerText(b)).toBe("Pad v13 (node 'pad0'): mode 'reflect' is not supported");
    expect(blockerText({ op: '(model)', code: 'no-outputs', args: {} })).toBe('(model): the graph declares no outputs');
    expect(JSON.parse(JSON.stringify(blockerDocument(b)))).toEqual({ ...b, text: "mode 'reflect' is not supported" });
  });
});
