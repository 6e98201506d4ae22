import { describe, expect, it } from 'vitest';
import { onnxMaxOpset, onnxTfGaps, onnxTfResolutionOpset, resolveSinceVersion } from '../../src/optables/coverage.js';

describe('resolveSinceVersion', () => {
  it.each([
    ['ReduceMean', 18, 18],
    ['ReduceMean', 17, 13],
    ['ReduceMean', 13, 13],
    ['ReduceMean', 12, 11],
    ['ReduceMean', 25, 18],
    ['Squeeze', 13, 13],
    ['Squeeze', 12, 11],
    ['Squeeze', 21, 21],
    ['Reshape', 20, 19],
    ['Reshape', 18, 14],
    ['Conv', 20, 11],
    ['Conv', 22, 22],
    ['Split', 18, 18],
    ['LayerNormalization', 17, 17],
    ['GlobalAveragePool', 20, 1],
    ['Upsample', 13, 10],
  ])('%s at opset %i -> %i', (op, opset, expected) => {
    expect(resolveSinceVersion(op, opset)).toBe(expected);
  });

  it.each([
    ['LayerNormalization', 16],
    ['NotAnOnnxOp', 20],
  ])('%s at opset %i -> null', (op, opset) => {
    expect(resolveSinceVersion(op, opset)).toBeNull();
  });
});

describe('onnxMaxOpset (onnx.helper.VERSION_TABLE)', () => {
  it.each([
    ['1.10.2', 15],
    ['1.13.1', 18],
    ['1.16.2', 21],
    ['1.18.0', 23],
    ['1.19.0', 24],
    ['1.20.1', 25],
  ])('onnx %s knows opsets up to %i', (version, opset) => {
    expect(onnxMaxOpset(version)).toBe(opset);
  });

  it('is null for an onnx newer than the table and for a non-version', () => {
    expect(onnxMaxOpset('1.99.0')).toBeNull();
    expect(onnxMaxOpset('not-a-version')).toBeNull();
  });

  it('caps the opset onnx-tf resolves at', () => {
    expect(onnxTfResolutionOpset(23, '1.16.2')).toBe(21);
    expect(onnxTfResolutionOpset(20, '1.16.2')).toBe(20);
    expect(onnxTfResolutionOpset(18, null)).toBe(18);
  });
});

describe('onnxTfGaps', () => {
  it.each([
    [['ReduceMean'], 18, [{ op: 'ReduceMean', version: 18 }]],
    [['ReduceMean'], 17, []],
    [['Squeeze', 'Unsqueeze'], 13, [{ op: 'Squeeze', version: 13 }, { op: 'Unsqueeze', version: 13 }]],
    [['Squeeze', 'Unsqueeze'], 12, []],
    [['LayerNormalization'], 17, [{ op: 'LayerNormalization', version: 17 }]],
    [['Where'], 16, [{ op: 'Where', version: 16 }]],
    [['Where'], 15, []],
    [['Split', 'Pad', 'Resize'], 18, [{ op: 'Split', version: 18 }, { op: 'Pad', version: 18 }, { op: 'Resize', version: 18 }]],
    [['NotAnOnnxOp'], 13, [{ op: 'NotAnOnnxOp', version: 1 }]],
    [['Conv', 'Relu', 'Add', 'Gemm', 'GlobalAveragePool', 'Flatten', 'Transpose'], 13, []],
  ] as const)('%j at opset %i -> %j', (ops, opset, expected) => {
    expect(onnxTfGaps([...ops], opset)).toEqual(expected);
  });

  it('lists each op once, in input order', () => {
    expect(onnxTfGaps(['Reshape', 'ReduceMean', 'Reshape', 'Conv'], 20)).toEqual([
      { op: 'Reshape', version: 19 },
      { op: 'ReduceMean', version: 18 },
    ]);
  });

  it('resolves through the installed onnx: an opset-23 model under onnx 1.16.2 resolves at 21', () => {
    // Conv-22 is unknown to onnx 1.16, so onnx-tf resolves Conv to 11 (handled); Reshape to 21 (not).
    expect(onnxTfGaps(['Conv', 'Reshape', 'ReduceMean'], 23, '1.16.2')).toEqual([
      { op: 'Reshape', version: 21 },
      { op: 'ReduceMean', version: 18 },
    ]);
    expect(onnxTfGaps(['Conv'], 23, null)).toEqual([{ op: 'Conv', version: 22 }]);
  });
});
