/**
 * Resize sampled exactly as ONNX specifies: native RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR where
 * TFLite's flags sample the same positions, else GATHERs of constant taps with constant weights.
 * Structure, then numbers: onnxruntime-node vs LiteRT.js on seeded random inputs, tolerance
 * 1e-4 x max(1, max|y|).
 */
import { describe, expect, it } from 'vitest';
import { onnxTaps, sameSampling, tfliteTaps } from '../../src/convert/resample.js';
import { ConversionRefused, convertFile } from '../../src/convert/index.js';
import { int64s, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify, writeModel } from './helpers/run.js';

const f32 = (name: string, values: number[]): TensorSpec => ({ name, dims: [values.length], values });
function graph(input: number[], nodes: NodeSpec[], initializers: TensorSpec[], opset = 13): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }], outputs: [{ name: 'y', shape: null }], nodes, initializers };
}
const ints = (v: number[]) => ({ ints: v });
const resize = (inputs: string[], attrs: NodeSpec['attrs'], out = 'y'): NodeSpec => ({ op: 'Resize', inputs, outputs: [out], attrs });

describe('resize taps', () => {
  const spec = { mode: 'nearest' as const, ctm: 'half_pixel', nearestMode: 'round_prefer_floor', cubicA: -0.75, excludeOutside: false };
  it('nearest half_pixel 2x up is TFLite half-pixel nearest; 4 -> 2 has ties that TFLite resolves the other way', () => {
    const up = onnxTaps({ ...spec, inLen: 3, outLen: 6, scale: 2 });
    expect(sameSampling(up, tfliteTaps('RESIZE_NEAREST_NEIGHBOR', false, true, 3, 6), 3, 0)).toBe(true);
    const down = onnxTaps({ ...spec, inLen: 4, outLen: 2, scale: 0.5 });
    expect(down.indices[0]).toEqual([0, 2]); // positions 0.5 and 2.5 round down
    expect(tfliteTaps('RESIZE_NEAREST_NEIGHBOR', false, true, 4, 2).indices[0]).toEqual([1, 3]);
  });
  it('cubic weights sum to 1 and exclude_outside renormalises at the border', () => {
    const t = onnxTaps({ ...spec, mode: 'cubic', inLen: 4, outLen: 8, scale: 2 });
    for (let o = 0; o < 8; o++) expect(t.weights.reduce((s, w) => s + w[o]!, 0)).toBeCloseTo(1, 6);
    const e = onnxTaps({ ...spec, mode: 'cubic', cubicA: -0.5, excludeOutside: true, inLen: 4, outLen: 8, scale: 2 });
    expect(e.weights[0]![0]).toBe(0); // the tap left of index 0 is outside
  });
});

/** an exact op list, or 'gather' (GATHERs and no native resize) */
interface Case { name: string; spec: ModelSpec; ops: string[] | 'gather' }
const cases: Case[] = [
  {
    name: 'nearest, ONNX defaults, 2x up: native RESIZE_NEAREST_NEIGHBOR (half-pixel)',
    spec: graph([1, 2, 3, 5], [resize(['x', '', 'sc'], { mode: { s: 'nearest' } })], [f32('sc', [1, 1, 2, 2])]),
    ops: ['TRANSPOSE', 'RESIZE_NEAREST_NEIGHBOR', 'TRANSPOSE'],
  },
  {
    name: 'nearest half_pixel round_prefer_floor 4x3 -> 2x5: H samples like TFLite asymmetric, W like half-pixel, so GATHERs',
    spec: graph([1, 2, 4, 3], [resize(['x', '', '', 'sz'], { mode: { s: 'nearest' } })], [int64s('sz', [1, 2, 2, 5])]),
    ops: 'gather',
  },
  {
    name: 'nearest ceil / align_corners, round_prefer_ceil / asymmetric, floor / tf_half_pixel_for_nn (opset 11)',
    spec: graph([1, 1, 4, 6], [
      resize(['x', 'roi', 'nosc', 'sz1'], { mode: { s: 'nearest' }, nearest_mode: { s: 'ceil' }, coordinate_transformation_mode: { s: 'align_corners' } }, 'a'),
      resize(['a', 'roi', 'nosc', 'sz2'], { mode: { s: 'nearest' }, nearest_mode: { s: 'round_prefer_ceil' }, coordinate_transformation_mode: { s: 'asymmetric' } }, 'b'),
      resize(['b', 'roi', 'nosc', 'sz3'], { mode: { s: 'nearest' }, nearest_mode: { s: 'floor' }, coordinate_transformation_mode: { s: 'tf_half_pixel_for_nn' } }),
    ], [f32('roi', []), f32('nosc', []), int64s('sz1', [1, 1, 7, 9]), int64s('sz2', [1, 1, 5, 11]), int64s('sz3', [1, 1, 3, 4])], 11),
    // the last one (tf_half_pixel_for_nn, floor) is TFLite's half-pixel nearest
    ops: ['GATHER', 'GATHER', 'GATHER', 'GATHER', 'RESHAPE', 'RESIZE_NEAREST_NEIGHBOR', 'RESHAPE'], // C = 1: layout changes are reshapes
  },
  {
    name: 'linear half_pixel 2x up: native RESIZE_BILINEAR (half-pixel)',
    spec: graph([1, 3, 4, 4], [resize(['x', '', 'sc'], { mode: { s: 'linear' } })], [f32('sc', [1, 1, 2, 2])]),
    ops: ['TRANSPOSE', 'RESIZE_BILINEAR', 'TRANSPOSE'],
  },
  {
    name: 'linear pytorch_half_pixel 6x6 -> 4x1: gathers with weights (TFLite has no pytorch_half_pixel for length 1)',
    spec: graph([1, 2, 6, 6], [resize(['x', '', '', 'sz'], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'pytorch_half_pixel' } })], [int64s('sz', [1, 2, 4, 1])]),
    ops: ['GATHER', 'MUL', 'GATHER', 'MUL', 'ADD', 'GATHER'],
  },
  {
    name: 'cubic (A = -0.75) 2x up and cubic A = -0.5 exclude_outside 0.6x down (scales, not whole sizes)',
    spec: graph([1, 2, 5, 5], [
      resize(['x', '', 'sc'], { mode: { s: 'cubic' } }, 'a'),
      resize(['a', '', 'sc2'], { mode: { s: 'cubic' }, cubic_coeff_a: { f: -0.5 }, exclude_outside: { i: 1 } }),
    ], [f32('sc', [1, 1, 2, 2]), f32('sc2', [1, 1, 0.6, 0.6])]),
    ops: 'gather',
  },
  {
    name: 'Resize-10 (asymmetric, floor) nearest 2x up on a conv output: native, no extra transposes',
    spec: { ...graph([1, 2, 4, 4], [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, resize(['c', 'sc'], { mode: { s: 'nearest' } })], [weight('w', [3, 2, 1, 1], 3), f32('sc', [1, 1, 2, 2])], 10) },
    ops: ['TRANSPOSE', 'CONV_2D', 'RESIZE_NEAREST_NEIGHBOR', 'TRANSPOSE'],
  },
  {
    name: 'cubic after a conv: GATHERs on the NHWC tensor (axes 1 and 2), then back to NCHW',
    spec: graph([1, 2, 3, 4], [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, resize(['c', '', 'sc'], { mode: { s: 'cubic' }, coordinate_transformation_mode: { s: 'align_corners' } })], [weight('w', [3, 2, 1, 1], 4), f32('sc', [1, 1, 2, 2])]),
    ops: 'gather',
  },
  {
    name: 'Resize-18 with axes [2, 3] (sizes for those axes only) and Resize-19 half_pixel_symmetric linear',
    spec: { ...graph([1, 2, 5, 4], [
      resize(['x', '', '', 'sz'], { mode: { s: 'nearest' }, axes: ints([2, 3]) }, 'a'),
      resize(['a', '', '', 'sz2'], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'half_pixel_symmetric' }, axes: ints([-1, -2]) }),
    ], [int64s('sz', [7, 6]), int64s('sz2', [4, 3])], 19) },
    // 7x6 -> 3x4 half_pixel_symmetric happens to sample like TFLite's half-pixel bilinear
    ops: ['GATHER', 'GATHER', 'TRANSPOSE', 'RESIZE_BILINEAR', 'TRANSPOSE'],
  },
  {
    name: 'Upsample-7 nearest (scales attribute 2 x 3): asymmetric floor, native nearest',
    spec: { opset: 7, inputs: [{ name: 'x', shape: [1, 2, 3, 4] }], outputs: [{ name: 'y', shape: null }],
      nodes: [{ op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { mode: { s: 'nearest' }, scales: { floats: [1, 1, 2, 3] } } }] },
    ops: ['TRANSPOSE', 'RESIZE_NEAREST_NEIGHBOR', 'TRANSPOSE'],
  },
  {
    name: 'Upsample-9 linear (scales input 2 x 1.5): asymmetric bilinear',
    spec: graph([1, 2, 3, 4], [{ op: 'Upsample', inputs: ['x', 'sc'], outputs: ['y'], attrs: { mode: { s: 'linear' } } }], [f32('sc', [1, 1, 2, 1.5])], 9),
    ops: ['TRANSPOSE', 'RESIZE_BILINEAR', 'TRANSPOSE'],
  },
  {
    name: '1-D linear resize of a [N, C, L] tensor (asymmetric, 5 -> 8)',
    spec: graph([1, 3, 5], [resize(['x', '', '', 'sz'], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'asymmetric' } })], [int64s('sz', [1, 3, 8])]),
    ops: ['GATHER', 'MUL', 'GATHER', 'MUL', 'ADD'],
  },
];
describe('Resize: structure and numbers (onnxruntime-node vs LiteRT.js)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conv = await convertSpec(c.spec);
      if (c.ops === 'gather') {
        expect(conv.ops).toContain('GATHER');
        expect(conv.ops.filter((o) => o.startsWith('RESIZE_'))).toEqual([]);
      } else expect(conv.ops, conv.ops.join()).toEqual(c.ops);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    });
  }

  it('refuses what it cannot sample exactly, each with its reason', async () => {
    const p = writeModel({
      opset: 18,
      inputs: [{ name: 'x', shape: [1, 1, 5, 5] }],
      outputs: ['a', 'b', 'c', 'd'].map((name) => ({ name, shape: null })),
      nodes: [
        { op: 'Resize', name: 'crop', inputs: ['x', 'roi', 'sc'], outputs: ['a'], attrs: { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'tf_crop_and_resize' } } },
        { op: 'Resize', name: 'aa', inputs: ['x', '', 'half'], outputs: ['b'], attrs: { mode: { s: 'linear' }, antialias: { i: 1 } } },
        { op: 'Resize', name: 'ac', inputs: ['x', '', 'frac'], outputs: ['c'], attrs: { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'align_corners' } } },
        { op: 'Resize', name: 'runtime', inputs: ['x', '', '', 'sz'], outputs: ['d'] },
        { op: 'Shape', inputs: ['x'], outputs: ['sz'] },
      ],
      initializers: [f32('roi', [0, 0, 0.1, 0.1, 1, 1, 0.9, 0.9]), f32('sc', [1, 1, 2, 2]), f32('half', [1, 1, 0.5, 0.5]), f32('frac', [1, 1, 0.7, 0.7])],
    });
    const err = await convertFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionRefused);
    const why = Object.fromEntries((err as ConversionRefused).blockers.map((b) => [b.node, { code: b.code, args: b.args }]));
    expect((err as Error).message).toMatch(/runtimes disagree/);
    expect(why).toMatchObject({
      crop: { code: 'attr-unsupported', args: { attr: 'coordinate_transformation_mode', value: 'tf_crop_and_resize' } },
      aa: { code: 'attr-unsupported', args: { attr: 'antialias', value: 1 } },
      ac: { code: 'align-corners-fractional' },
    });
  });
});
