import { describe, expect, it } from 'vitest';
import { predictExportGaps } from '../../src/optables/exportGaps.js';

describe('predictExportGaps', () => {
  it('torch 2.13.0: dynamo, opset 20, Reshape-19 and ReduceMean-18 unsupported, proven', () => {
    const p = predictExportGaps('2.13.0', '1.16.2');
    expect(p).not.toBeNull();
    expect(p!.exporter).toBe('dynamo');
    expect(p!.opset).toBe(20);
    expect(p!.unsupported).toEqual(expect.arrayContaining([{ op: 'ReduceMean', version: 18 }, { op: 'Reshape', version: 19 }]));
    expect(p!.unsupported).toHaveLength(2);
    expect(p!.unproven).toBeUndefined();
    expect(p!.externalData).toBe(true);
    expect(p!.evidence).toMatch(/export-gaps\.test\.ts/);
  });

  it('accepts a local version label (2.13.0+cpu)', () => {
    expect(predictExportGaps('2.13.0+cpu', null)?.exporter).toBe('dynamo');
  });

  it('torch 2.8.0 (the seed): TorchScript at opset 18 -> ReduceMean-18, proven', () => {
    const p = predictExportGaps('2.8.0', '1.18.0');
    expect(p).toMatchObject({ exporter: 'torchscript', opset: 18 });
    expect(p!.unproven).toBeUndefined();
    expect(p!.evidence).toMatch(/proven by test\/real-env\/torch-export-28\.test\.ts/);
    expect(p!.unsupported).toEqual([{ op: 'ReduceMean', version: 18 }]);
  });

  it.each([
    ['2.7.1', 'torchscript', 17],
    ['2.1.0', 'torchscript', 17],
    ['2.0.1', 'torchscript', 14],
    ['1.13.1', 'torchscript', 14],
    ['1.12.1', 'torchscript', 13],
  ] as const)('torch %s: %s at opset %i, nothing onnx-tf cannot take', (torch, exporter, opset) => {
    const p = predictExportGaps(torch, '1.16.2');
    expect(p).toMatchObject({ exporter, opset, unsupported: [], unproven: true });
  });

  it('torch 2.10.0: dynamo at 20 (unproven)', () => {
    expect(predictExportGaps('2.10.0', null)).toMatchObject({ exporter: 'dynamo', opset: 20, unproven: true });
  });

  it('an old onnx caps the resolution: torch 2.8 + onnx 1.10.2 resolves at 15, so no version error', () => {
    const p = predictExportGaps('2.8.0', '1.10.2');
    expect(p!.resolvedAtOpset).toBe(15);
    expect(p!.unsupported).toEqual([]);
    expect(p!.evidence).toMatch(/onnx 1\.10\.2 knows opsets up to 15/);
  });

  it.each(['1.11.0', '2.14.0', '2.14.0.dev20260101'])('no prediction for torch %s (no row covers it)', (torch) => {
    expect(predictExportGaps(torch, null)).toBeNull();
  });
});
