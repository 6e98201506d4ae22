/**
 * QDQ ONNX (QuantizeLinear -> DequantizeLinear around float ops) on small real ONNX models: the int8
 * .tflite carries the model's own scales and zero points (read back from the file), an op whose int8
 * kernel cannot take the given params stays float with the reason, the numbers match onnxruntime-node
 * running the QDQ model as written within one quantization step of the output (verifyQdq), and what
 * TFLite int8 cannot express is refused with a reason per node.
 */
import { describe, expect, it } from 'vitest';
import { ConversionRefused, convertFile } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { verifyQdq } from '../../src/verify/qdq.js';
import { DT, randomFloats, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { writeModel } from './helpers/run.js';

const f32 = Math.fround;
const scalar = (name: string, value: number, dataType: number = DT.FLOAT): TensorSpec => ({ name, dims: [], dataType, values: [value] });
const q = (x: string, s: string, z: string, y: string): NodeSpec => ({ op: 'QuantizeLinear', inputs: [x, s, z], outputs: [y] });
const dq = (x: string, s: string, z: string, y: string, axis?: number): NodeSpec => ({ op: 'DequantizeLinear', inputs: [x, s, z], outputs: [y], ...(axis !== undefined ? { attrs: { axis: { i: axis } } } : {}) });
/** a QuantizeLinear -> DequantizeLinear pair on `x` with params `p` */
const pair = (x: string, p: string): NodeSpec[] => [q(x, `${p}_s`, `${p}_z`, `${x}_q`), dq(`${x}_q`, `${p}_s`, `${p}_z`, `${x}_dq`)];

const XS = 0.02;
const WS = [0.011, 0.007, 0.013, 0.009];
const RS = 0.05;

/** x -> QDQ -> Conv (int8 per-channel weights, int32 bias) + Relu -> QDQ -> Sigmoid -> QDQ (scale 1/255) -> y */
function convModel(opts: { uint8?: boolean; weightZero?: number } = {}): ModelSpec {
  const zt = opts.uint8 ? DT.UINT8 : DT.INT8;
  const shift = opts.uint8 ? 128 : 0;
  const wq = Array.from(randomFloats(4 * 3 * 3 * 3, 11), (v) => Math.round(v * 127));
  const bias = Array.from(randomFloats(4, 12), (v) => Math.round(v * 400));
  return {
    opset: 13,
    inputs: [{ name: 'x', shape: [1, 3, 6, 6] }],
    outputs: [{ name: 'y_dq', shape: [1, 4, 6, 6] }],
    nodes: [
      ...pair('x', 'px'),
      dq('wq', 'w_s', 'w_z', 'w', 0),
      dq('bq', 'b_s', 'b_z', 'b', 0),
      { op: 'Conv', inputs: ['x_dq', 'w', 'b'], outputs: ['c'], attrs: { pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      ...pair('r', 'pr'),
      { op: 'Sigmoid', inputs: ['r_dq'], outputs: ['y'] },
      ...pair('y', 'py'),
    ],
    initializers: [
      scalar('px_s', XS), scalar('px_z', -3 + shift, zt),
      scalar('pr_s', RS), scalar('pr_z', -128 + shift, zt),
      scalar('py_s', 1 / 255), scalar('py_z', -128 + shift, zt),
      { name: 'wq', dims: [4, 3, 3, 3], dataType: DT.INT8, values: wq },
      { name: 'w_s', dims: [4], values: WS },
      { name: 'w_z', dims: [4], dataType: DT.INT8, values: new Array(4).fill(opts.weightZero ?? 0) },
      { name: 'bq', dims: [4], dataType: DT.INT32, values: bias },
      { name: 'b_s', dims: [4], values: WS.map((s) => f32(f32(XS) * f32(s))) },
      { name: 'b_z', dims: [4], dataType: DT.INT32, values: [0, 0, 0, 0] },
    ],
  };
}

async function refusal(spec: ModelSpec): Promise<ConversionRefused> {
  try {
    await convertFile(writeModel(spec));
  } catch (e) {
    if (!(e instanceof ConversionRefused)) throw e;
    return e as ConversionRefused;
  }
  throw new Error('expected a refusal');
}

describe('QDQ ONNX -> int8 .tflite with the model\'s own params', () => {
  for (const uint8 of [false, true]) {
    it(`${uint8 ? 'uint8' : 'int8'} activations: int8 CONV_2D with the given scales, LOGISTIC float (its kernel's fixed 1/256), within one step of onnxruntime`, async () => {
      const onnx = writeModel(convModel({ uint8 }));
      const { tflite, summary } = await convertFile(onnx);
      expect(summary.readAs).toBe('qdq');
      expect(summary.qdqOutputs).toEqual([{ name: 'y_dq', scale: f32(1 / 255), zeroPoint: -128 }]);
      const m = readTflite(tflite);
      const conv = m.operators.find((o) => o.op === 'CONV_2D')!;
      const [x, w, b] = conv.inputs.map((i) => m.tensors[i]!);
      // uint8 reads as int8 with the zero point moved by -128: the same real values
      expect(x!.type).toBe('INT8');
      expect(x!.quantization).toMatchObject({ scale: [f32(XS)], zeroPoint: [-3] });
      expect(w!.type).toBe('INT8');
      expect(w!.quantization).toMatchObject({ scale: WS.map(f32), zeroPoint: [0, 0, 0, 0], quantizedDimension: 0 });
      expect(b!.type).toBe('INT32');
      expect(m.tensors[conv.outputs[0]!]!.quantization).toMatchObject({ scale: [f32(RS)], zeroPoint: [-128] });
      const ops = summary.quantization!.ops;
      expect(ops.find((o) => o.op === 'CONV_2D')!.status).toBe('quantized');
      const logistic = ops.find((o) => o.op === 'LOGISTIC')!;
      expect(logistic.status).toBe('float');
      expect(logistic).toMatchObject({ why: { code: 'qdq-fixed-output-params-differ', op: 'LOGISTIC', kernelScale: 1 / 256, kernelZeroPoint: -128 } });
      const p = onnx.replace(/\.onnx$/, '.tflite');
      (await import('node:fs')).writeFileSync(p, tflite);
      const v = await verifyQdq(onnx, p, { steps: { y_dq: f32(1 / 255) }, runs: 4 });
      expect(v.pass).toBe(true);
      // the model as written is the yardstick that holds on every machine (see src/verify/qdq.ts)
      const asWritten = v.references.find((r) => r.reference === 'as written')!;
      expect(asWritten.problems).toEqual([]);
      expect(Math.round(asWritten.outputs[0]!.maxSteps!)).toBeLessThanOrEqual(1);
    });
  }

  it('scales and zero points in Constant nodes (as torch exporters write them) read the same as initializers', async () => {
    const spec = convModel();
    const asConstants = new Set(['px_s', 'px_z', 'w_s', 'w_z']);
    const moved: ModelSpec = {
      ...spec,
      nodes: [
        ...spec.initializers!.filter((t) => asConstants.has(t.name)).map((t): NodeSpec => ({ op: 'Constant', inputs: [], outputs: [t.name], attrs: { value: { t } } })),
        ...spec.nodes,
      ],
      initializers: spec.initializers!.filter((t) => !asConstants.has(t.name)),
    };
    const quantOf = async (m: ModelSpec) => {
      const { tflite } = await convertFile(writeModel(m));
      const r = readTflite(tflite);
      const conv = r.operators.find((o) => o.op === 'CONV_2D')!;
      return conv.inputs.map((i) => r.tensors[i]!.quantization);
    };
    const fromConstants = await quantOf(moved);
    expect(fromConstants[0]).toMatchObject({ scale: [f32(XS)], zeroPoint: [-3] });
    expect(fromConstants).toEqual(await quantOf(spec));
  });

  it('a MaxPool whose QDQ output params differ from its input\'s stays float; a Concat of inputs at other params requantizes them; both within one step', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4, 6, 6] }],
      outputs: [{ name: 'm_dq', shape: [1, 4, 3, 3] }, { name: 'c_dq', shape: [1, 8, 6, 6] }],
      nodes: [
        ...pair('x', 'px'),
        { op: 'MaxPool', inputs: ['x_dq'], outputs: ['m'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } } },
        ...pair('m', 'pm'),
        { op: 'Relu', inputs: ['x_dq'], outputs: ['a'] },
        ...pair('a', 'pa'),
        { op: 'Mul', inputs: ['x_dq', 'x_dq'], outputs: ['b'] },
        ...pair('b', 'pb'),
        { op: 'Concat', inputs: ['a_dq', 'b_dq'], outputs: ['c'], attrs: { axis: { i: 1 } } },
        ...pair('c', 'pc'),
      ],
      initializers: [
        scalar('px_s', 0.025), scalar('px_z', 2, DT.INT8),
        scalar('pm_s', 0.03), scalar('pm_z', -10, DT.INT8),
        scalar('pa_s', 0.015), scalar('pa_z', -128, DT.INT8),
        scalar('pb_s', 0.04), scalar('pb_z', -128, DT.INT8),
        scalar('pc_s', 0.045), scalar('pc_z', -128, DT.INT8),
      ],
    };
    const onnx = writeModel(spec);
    const { tflite, summary } = await convertFile(onnx);
    const byOp = (op: string) => summary.quantization!.ops.find((o) => o.op === op)!;
    expect(byOp('MAX_POOL_2D')).toMatchObject({ status: 'float', why: { code: 'qdq-output-params-differ', op: 'MAX_POOL_2D' } });
    for (const op of ['RELU', 'MUL', 'CONCATENATION']) expect(byOp(op).status, op).toBe('quantized');
    expect(summary.quantization!.notes).toContainEqual({ code: 'requantized', operators: 2 });
    const p = onnx.replace(/\.onnx$/, '.tflite');
    (await import('node:fs')).writeFileSync(p, tflite);
    const v = await verifyQdq(onnx, p, { steps: { m_dq: f32(0.03), c_dq: f32(0.045) }, runs: 4 });
    const asWritten = v.references.find((r) => r.reference === 'as written')!;
    expect(asWritten.problems).toEqual([]);
    expect(asWritten.outputs.map((o) => o.name).sort()).toEqual(['c_dq', 'm_dq']);
    for (const o of asWritten.outputs) expect(Math.round(o.maxSteps!), o.name).toBeLessThanOrEqual(1);
  });

  it('HardSwish stays float (TFLite\'s int8 HARD_SWISH approximates beyond a rounding) and matches onnxruntime within one step', async () => {
    const spec: ModelSpec = {
      opset: 14,
      inputs: [{ name: 'x', shape: [1, 4, 8, 8] }],
      outputs: [{ name: 'h_dq', shape: [1, 4, 8, 8] }],
      nodes: [...pair('x', 'px'), { op: 'HardSwish', inputs: ['x_dq'], outputs: ['h'] }, ...pair('h', 'ph')],
      initializers: [scalar('px_s', 0.03), scalar('px_z', 0, DT.INT8), scalar('ph_s', 0.017), scalar('ph_z', -106, DT.INT8)],
    };
    const onnx = writeModel(spec);
    const { tflite, summary } = await convertFile(onnx);
    expect(summary.quantization!.ops.find((o) => o.op === 'HARD_SWISH')).toMatchObject({ status: 'float', why: { code: 'qdq-inexact-int8-kernel', op: 'HARD_SWISH' } });
    const p = onnx.replace(/\.onnx$/, '.tflite');
    (await import('node:fs')).writeFileSync(p, tflite);
    const v = await verifyQdq(onnx, p, { steps: { h_dq: f32(0.017) }, runs: 4 });
    const asWritten = v.references.find((r) => r.reference === 'as written')!;
    expect(asWritten.problems).toEqual([]);
    expect(Math.round(asWritten.outputs[0]!.maxSteps!)).toBeLessThanOrEqual(1);
  });

  it('a float-kept operator reads its input on the QDQ grid and rounds its output to its own: a coarse input grid before a fine output grid, within one step', async () => {
    // x -> QDQ (0.1) -> HardSwish (float) -> QDQ (0.004) -> HardSwish (float) -> QDQ (0.004): the QDQ model rounds
    // (and clamps to each grid's range) three times; written as two float HARD_SWISH without them, the file was
    // 615 steps off onnxruntime
    const spec: ModelSpec = {
      opset: 14,
      inputs: [{ name: 'x', shape: [1, 4, 8, 8] }],
      outputs: [{ name: 'y_dq', shape: [1, 4, 8, 8] }],
      nodes: [
        ...pair('x', 'px'),
        { op: 'HardSwish', inputs: ['x_dq'], outputs: ['h'] }, ...pair('h', 'ph'),
        { op: 'HardSwish', inputs: ['h_dq'], outputs: ['y'] }, ...pair('y', 'py'),
      ],
      initializers: [scalar('px_s', 0.1), scalar('px_z', 0, DT.INT8), scalar('ph_s', 0.004), scalar('ph_z', -60, DT.INT8), scalar('py_s', 0.004), scalar('py_z', -30, DT.INT8)],
    };
    const onnx = writeModel(spec);
    const { tflite } = await convertFile(onnx, { nhwc: false });
    const m = readTflite(tflite);
    expect(m.operators.map((o) => o.op)).toEqual(['QUANTIZE', 'DEQUANTIZE', 'HARD_SWISH', 'QUANTIZE', 'DEQUANTIZE', 'HARD_SWISH', 'QUANTIZE', 'DEQUANTIZE']);
    const p = onnx.replace(/\.onnx$/, '.tflite');
    (await import('node:fs')).writeFileSync(p, tflite);
    const v = await verifyQdq(onnx, p, { steps: { y_dq: f32(0.004) }, runs: 4 });
    const asWritten = v.references.find((r) => r.reference === 'as written')!;
    expect(asWritten.problems).toEqual([]);
    expect(Math.round(asWritten.outputs[0]!.maxSteps!)).toBeLessThanOrEqual(1);
  });

  it('a channel shuffle before a depthwise conv and a grouped conv folds into them as in a float model: per-channel params move with the filters; within one step', async () => {
    // FBNet's block in QDQ form: conv -> shuffle (Reshape, Transpose, Reshape, each with its QDQ pair at the
    // conv output's params) -> depthwise (per-channel int8 weights) + Relu -> grouped 1x1 conv (per-channel)
    const C = 8;
    const wInt = (n: number, seed: number) => Array.from(randomFloats(n, seed), (v) => Math.round(v * 127));
    const dwScales = Array.from({ length: C }, (_, k) => f32(0.004 + 0.001 * k));
    const gScales = Array.from({ length: C }, (_, k) => f32(0.01 - 0.0005 * k));
    const perChannel = (name: string, dims: number[], scales: number[], seed: number): TensorSpec[] => [
      { name: `${name}_q`, dims, dataType: DT.INT8, values: wInt(dims.reduce((a, b) => a * b, 1), seed) },
      { name: `${name}_s`, dims: [scales.length], values: scales },
      { name: `${name}_z`, dims: [scales.length], dataType: DT.INT8, values: new Array(scales.length).fill(0) },
    ];
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4, 6, 5] }],
      outputs: [{ name: 'y_dq', shape: [1, C, 6, 5] }],
      nodes: [
        ...pair('x', 'px'),
        dq('w1_q', 'w1_s', 'w1_z', 'w1', 0),
        { op: 'Conv', inputs: ['x_dq', 'w1'], outputs: ['a'] },
        ...pair('a', 'pa'),
        { op: 'Reshape', inputs: ['a_dq', 'split'], outputs: ['v'] }, ...pair('v', 'pa'),
        { op: 'Transpose', inputs: ['v_dq'], outputs: ['t'], attrs: { perm: { ints: [0, 2, 1, 3, 4] } } }, ...pair('t', 'pa'),
        { op: 'Reshape', inputs: ['t_dq', 'merge'], outputs: ['s'] }, ...pair('s', 'pa'),
        dq('wd_q', 'wd_s', 'wd_z', 'wd', 0),
        { op: 'Conv', inputs: ['s_dq', 'wd'], outputs: ['d'], attrs: { group: { i: C }, pads: { ints: [1, 1, 1, 1] } } },
        { op: 'Relu', inputs: ['d'], outputs: ['r'] }, ...pair('r', 'pr'),
        dq('wg_q', 'wg_s', 'wg_z', 'wg', 0),
        { op: 'Conv', inputs: ['r_dq', 'wg'], outputs: ['y'], attrs: { group: { i: 2 } } }, ...pair('y', 'py'),
      ],
      initializers: [
        scalar('px_s', 0.02), scalar('px_z', 0, DT.INT8), scalar('pa_s', 0.03), scalar('pa_z', 5, DT.INT8),
        scalar('pr_s', 0.01), scalar('pr_z', -128, DT.INT8), scalar('py_s', 0.006), scalar('py_z', -2, DT.INT8),
        ...perChannel('w1', [C, 4, 1, 1], new Array(C).fill(0.008), 31),
        ...perChannel('wd', [C, 1, 3, 3], dwScales, 32),
        ...perChannel('wg', [C, C / 2, 1, 1], gScales, 33),
        { name: 'split', dims: [5], dataType: DT.INT64, values: [1, 2, C / 2, 6, 5] },
        { name: 'merge', dims: [4], dataType: DT.INT64, values: [1, C, 6, 5] },
      ],
    };
    const onnx = writeModel(spec);
    const { tflite, summary } = await convertFile(onnx, { nhwc: false });
    expect(summary.shufflesAbsorbed).toBe(1);
    expect(summary.quantization!.ops.filter((o) => o.status === 'float')).toEqual([]);
    const m = readTflite(tflite);
    // NCHW I/O: only the edge transposes are left, no rank-5 one
    expect(m.operators.filter((o) => o.op === 'TRANSPOSE').map((o) => m.tensors[o.inputs[0]!]!.shape.length)).toEqual([4, 4]);
    // the depthwise filter now at channel k is the old one at the channel k came from: so is its scale
    const dw = m.operators.find((o) => o.op === 'DEPTHWISE_CONV_2D')!;
    const dwScale = m.tensors[dw.inputs[1]!]!.quantization!.scale;
    // shuffled channel k is channel order[k] of the conv output (2 groups of 4, transposed)
    const order = [0, 4, 1, 5, 2, 6, 3, 7];
    expect(dwScale).toEqual(order.map((_, i) => dwScales[order.indexOf(i)]));
    // the grouped conv became a group-1 conv over the unshuffled channels: its output channels (and scales) stay
    const convs = m.operators.filter((o) => o.op === 'CONV_2D');
    expect(m.tensors[convs[1]!.inputs[1]!]!.shape).toEqual([C, 1, 1, C]);
    expect(m.tensors[convs[1]!.inputs[1]!]!.quantization!.scale).toEqual(gScales);
    const p = onnx.replace(/\.onnx$/, '.tflite');
    (await import('node:fs')).writeFileSync(p, tflite);
    const v = await verifyQdq(onnx, p, { steps: { y_dq: f32(0.006) }, runs: 4 });
    const asWritten = v.references.find((r) => r.reference === 'as written')!;
    expect(asWritten.problems).toEqual([]);
    expect(Math.round(asWritten.outputs[0]!.maxSteps!)).toBeLessThanOrEqual(1);
  });

  it('RESHAPE chains collapse where the QDQ params are the same along the chain (within one step), and stay where the model requantizes between them', async () => {
    // x -> Relu -> Reshape [1,4,48] -> Reshape [1,192] -> Relu ... twice: the middle value at the input's params, then at other params
    const chain = (mid: string): ModelSpec => ({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4, 6, 8] }],
      outputs: [{ name: 'y_dq', shape: [1, 192] }],
      nodes: [
        ...pair('x', 'px'),
        { op: 'Relu', inputs: ['x_dq'], outputs: ['r'] }, ...pair('r', 'pr'),
        { op: 'Reshape', inputs: ['r_dq', 'sh1'], outputs: ['m'] }, ...pair('m', mid),
        { op: 'Reshape', inputs: ['m_dq', 'sh2'], outputs: ['f'] }, ...pair('f', 'pr'),
        { op: 'Relu', inputs: ['f_dq'], outputs: ['y'] }, ...pair('y', 'pr'),
      ],
      initializers: [
        scalar('px_s', 0.02), scalar('px_z', 1, DT.INT8), scalar('pr_s', 0.012), scalar('pr_z', -128, DT.INT8),
        scalar('po_s', 0.05), scalar('po_z', -128, DT.INT8),
        { name: 'sh1', dims: [3], dataType: DT.INT64, values: [1, 4, 48] }, { name: 'sh2', dims: [2], dataType: DT.INT64, values: [1, 192] },
      ],
    });
    for (const [mid, reshapes] of [['pr', 1], ['po', 2]] as const) {
      const onnx = writeModel(chain(mid));
      const { tflite } = await convertFile(onnx);
      const m = readTflite(tflite);
      expect(m.operators.filter((o) => o.op === 'RESHAPE'), mid).toHaveLength(reshapes);
      // 'po': the kept pair runs float, and the first one's output is rounded to 0.05 (QUANTIZE, DEQUANTIZE) as the
      // QDQ model rounds it; without that rounding the result is 2 steps off onnxruntime's
      if (mid === 'po') expect(m.operators.map((o) => o.op)).toEqual(['QUANTIZE', 'RELU', 'DEQUANTIZE', 'RESHAPE', 'QUANTIZE', 'DEQUANTIZE', 'RESHAPE', 'QUANTIZE', 'RELU', 'DEQUANTIZE']);
      const p = onnx.replace(/\.onnx$/, '.tflite');
      (await import('node:fs')).writeFileSync(p, tflite);
      const v = await verifyQdq(onnx, p, { steps: { y_dq: f32(0.012) }, runs: 4 });
      const asWritten = v.references.find((r) => r.reference === 'as written')!;
      expect(asWritten.problems).toEqual([]);
      expect(Math.round(asWritten.outputs[0]!.maxSteps!), mid).toBeLessThanOrEqual(1);
    }
  });

  it('--io int8: the input and output the model quantizes at its boundary become int8 with that QuantizeLinear / DequantizeLinear\'s params; the graph between is the float-I/O graph\'s', async () => {
    const onnx = writeModel(convModel());
    const float = readTflite((await convertFile(onnx)).tflite);
    const { tflite, summary } = await convertFile(onnx, { io: 'int8' });
    const m = readTflite(tflite);
    const io = (r: typeof m, t: number) => ({ type: r.tensors[t]!.type, quantization: r.tensors[t]!.quantization });
    expect(io(m, m.inputs[0]!)).toMatchObject({ type: 'INT8', quantization: { scale: [f32(XS)], zeroPoint: [-3] } });
    expect(io(m, m.outputs[0]!)).toMatchObject({ type: 'INT8', quantization: { scale: [f32(1 / 255)], zeroPoint: [-128] } });
    expect(m.signature!.inputs.map((x) => x.name)).toEqual(['x']);
    expect(m.signature!.outputs.map((x) => x.name)).toEqual(['y_dq']);
    // float I/O: QUANTIZE x, the NCHW->NHWC TRANSPOSE, CONV_2D, DEQUANTIZE, LOGISTIC (float), QUANTIZE y, TRANSPOSE
    // back, DEQUANTIZE y; int8 I/O drops the first and the last
    expect(float.operators.map((o) => o.op)).toEqual(['QUANTIZE', 'TRANSPOSE', 'CONV_2D', 'DEQUANTIZE', 'LOGISTIC', 'QUANTIZE', 'TRANSPOSE', 'DEQUANTIZE']);
    expect(m.operators.map((o) => o.op)).toEqual(float.operators.slice(1, -1).map((o) => o.op));
    expect(summary.quantization!.notes).toEqual(expect.arrayContaining([
      { code: 'int8-io', kind: 'input', name: 'x', scale: f32(XS), zeroPoint: -3 },
      { code: 'int8-io', kind: 'output', name: 'y_dq', scale: f32(1 / 255), zeroPoint: -128 },
    ]));
    // a float model has no boundary params: --io int8 there needs --quantize int8
    const floatModel: ModelSpec = { opset: 13, inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 4] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] };
    await expect(convertFile(writeModel(floatModel), { io: 'int8' })).rejects.toThrow(/is a float model: --io int8 applies to a QDQ model or with --quantize int8/);
  });

  it('--quantize on a QDQ model is refused: it is quantized already', async () => {
    const onnx = writeModel(convModel());
    await expect(convertFile(onnx, { quantize: { mode: 'dynamic' } })).rejects.toThrow(/already quantized \(QDQ: 3 QuantizeLinear -> DequantizeLinear pairs\); --quantize dynamic applies to float models/);
  });

  it('refuses int8 weights with a non-zero zero point (TFLite int8 weights are symmetric)', async () => {
    const r = await refusal(convModel({ weightZero: 3 }));
    expect(r.blockers).toEqual([expect.objectContaining({ op: 'Conv', code: 'qdq-asymmetric-weights', args: { weights: 'w', dtype: DT.INT8, zeroPoints: [3] } })]);
    expect(r.message).toMatch(/weights 'w' are int8 with zero point 3: TFLite's int8 kernels need symmetric weights/);
  });

  it('refuses per-axis activations, 16-bit activations, a QuantizeLinear nothing dequantizes and QOperator ops, each with its node', async () => {
    const r = await refusal({
      opset: 21,
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }, { name: 'u', shape: [1, 3, 4, 4] }, { name: 'v', shape: [1, 3, 4, 4] }],
      outputs: [{ name: 'a', shape: null }, { name: 'b', shape: null }, { name: 'v_q', shape: null }, { name: 'c', shape: null }],
      nodes: [
        { ...q('x', 'sx', 'zx', 'x_q'), attrs: { axis: { i: 1 } } },
        { ...dq('x_q', 'sx', 'zx', 'x_dq', 1), name: 'per_axis' },
        { op: 'Relu', inputs: ['x_dq'], outputs: ['a'] },
        q('u', 's16', 'z16', 'u_q'),
        { ...dq('u_q', 's16', 'z16', 'u_dq'), name: 'sixteen' },
        { op: 'Relu', inputs: ['u_dq'], outputs: ['b'] },
        { ...q('v', 's8', 'z8', 'v_q'), name: 'int_output' },
        { op: 'QLinearConv', name: 'qconv', inputs: ['v_q', 's8', 'z8', 'wq', 's8', 'z8', 's8', 'z8'], outputs: ['c'] },
      ],
      initializers: [
        { name: 'sx', dims: [3], values: [0.1, 0.2, 0.3] }, { name: 'zx', dims: [3], dataType: DT.INT8, values: [0, 0, 0] },
        scalar('s16', 0.001), { name: 'z16', dims: [], dataType: 5 /* INT16 */, values: [0], encoding: 'int32_data' },
        scalar('s8', 0.1), scalar('z8', 0, DT.INT8),
        { name: 'wq', dims: [3, 3, 1, 1], dataType: DT.INT8, values: new Array(9).fill(1) },
      ],
    });
    expect(r.blockers).toEqual(expect.arrayContaining([
      expect.objectContaining({ node: 'per_axis', code: 'qdq-per-axis-activation', args: { value: 'x' } }),
      expect.objectContaining({ node: 'sixteen', code: 'qdq-activation-type', args: { dtype: 5 /* INT16 */ } }),
      expect.objectContaining({ node: 'qconv', code: 'qoperator' }),
    ]));
    expect(r.message).toMatch(/per-axis quantization of the activation 'x': TFLite's int8 activations have one scale and zero point per tensor/);
    expect(r.message).toMatch(/int16 activations/);
    expect(r.message).toMatch(/QOperator format/);
    expect(r.blockers.some((b) => b.node === 'int_output' || b.node === 'v_q')).toBe(true);
  });
});
