import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConversionRefused, convertFile, supportedOps } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { verifyConversion } from '../../src/verify/index.js';
import { convertNoteText } from '../../src/report/convert.js';
import { buildModel, int64s, weight, type ModelSpec } from './helpers/onnx-builder.js';
import { tempDir, writeModel } from './helpers/run.js';

async function refusal(spec: ModelSpec): Promise<ConversionRefused> {
  const p = writeModel(spec);
  try {
    await convertFile(p);
  } catch (e) {
    expect(e).toBeInstanceOf(ConversionRefused);
    return e as ConversionRefused;
  }
  throw new Error('expected a refusal');
}

describe('refusal: every blocker at once, never a wrong model', () => {
  it('lists an unsupported op, an unimplemented attribute value and a dynamic input dim together', async () => {
    const r = await refusal({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 3, 'H', 4] }, { name: 'v', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: null }, { name: 'z', shape: null }, { name: 'q', shape: null }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['y'] },
        { op: 'Erf', name: 'my_erf', inputs: ['v'], outputs: ['z'] },
        { op: 'Pad', name: 'reflect_pad', inputs: ['v', 'p'], outputs: ['q'], attrs: { mode: { s: 'reflect' } } },
      ],
      initializers: [int64s('p', [0, 1, 0, 1])],
    });
    expect(r.blockers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: '(input)', node: 'x', code: 'input-dim', args: { input: 'x', dim: 2, size: 'H', problem: 'dynamic' } }),
        expect.objectContaining({ op: 'Erf', version: 13, node: 'my_erf', code: 'erf-outside-gelu' }),
        expect.objectContaining({ op: 'Pad', version: 13, node: 'reflect_pad', code: 'attr-unsupported', args: expect.objectContaining({ attr: 'mode', value: 'reflect' }) }),
      ]),
    );
    // the words, from the one formatter
    expect(r.message).toMatch(/dimension 2 is dynamic/);
    expect(r.message).toMatch(/TFLite has no Erf operator.*exact GELU/);
    expect(r.message).toMatch(/mode 'reflect'/);
    expect(r.message).toMatch(/3 blockers/);
    expect(r.hint).toMatch(/onnx2tf|litert-torch/);
    expect(r.suggestedRoute).toMatch(/onnx2tf/);
    expect(r.exitCode).toBe(2);
  });

  it('refuses an op it has no lowering for (LRN) and a custom domain', async () => {
    const r = await refusal({
      opset: 9,
      inputs: [{ name: 'x', shape: [1, 1, 2, 2] }],
      outputs: [{ name: 'y', shape: null }, { name: 'z', shape: null }],
      nodes: [
        { op: 'LRN', inputs: ['x'], outputs: ['y'], attrs: { size: { i: 3 } } },
        { op: 'FusedThing', domain: 'com.example', inputs: ['x'], outputs: ['z'] },
      ],
      initializers: [{ name: 's', dims: [4], values: [1, 1, 2, 2] }],
    });
    expect(r.blockers.map((b) => `${b.op}@${b.version ?? ''}`)).toEqual(expect.arrayContaining(['LRN@1', 'com.example:FusedThing@']));
  });

  it('refuses attribute values it cannot express exactly (tf_crop_and_resize, dilated average or 3-D pooling, a ceil_mode window in the end padding)', async () => {
    const r = await refusal({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 1, 4, 4] }, { name: 'v', shape: [1, 1, 2, 4, 4] }],
      nodes: [
        { op: 'Resize', name: 'crop', inputs: ['x', 'roi', 's'], outputs: ['a'], attrs: { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'tf_crop_and_resize' } } },
        { op: 'Resize', name: 'nearest_hp', inputs: ['x', '', 's'], outputs: ['b'], attrs: { mode: { s: 'nearest' } } }, // exact
        // 4 + 1 pad with k2 s2 ceil: the third window would start at 4, inside the end padding
        { op: 'MaxPool', name: 'ceil', inputs: ['x'], outputs: ['c'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, pads: { ints: [0, 0, 1, 1] }, ceil_mode: { i: 1 } } },
        { op: 'AveragePool', name: 'dilated', inputs: ['x'], outputs: ['d'], attrs: { kernel_shape: { ints: [2, 2] }, dilations: { ints: [2, 2] } } },
        { op: 'AveragePool', name: 'avg3d', inputs: ['v'], outputs: ['e'], attrs: { kernel_shape: { ints: [2, 2, 2] } } },
      ],
      initializers: [{ name: 's', dims: [4], values: [1, 1, 2, 2] }, { name: 'roi', dims: [8], values: [0, 0, 0, 0, 1, 1, 1, 1] }],
      outputs: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, shape: null })),
    });
    expect(r.blockers.map((b) => b.node).sort()).toEqual(['avg3d', 'ceil', 'crop', 'dilated']);
  });

  it('refuses a Reshape whose target is computed at run time and a run-time weight', async () => {
    const r = await refusal({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4] }, { name: 's', shape: [2], elemType: 7 }, { name: 'w', shape: [2, 4, 1, 1] }, { name: 'u', shape: [1, 4, 2, 2] }],
      outputs: [{ name: 'y', shape: null }, { name: 'z', shape: null }],
      nodes: [
        { op: 'Reshape', name: 'dyn', inputs: ['x', 's'], outputs: ['y'] },
        { op: 'Conv', name: 'dynw', inputs: ['u', 'w'], outputs: ['z'] },
      ],
    });
    expect(r.blockers.map((b) => b.node)).toEqual(expect.arrayContaining(['dyn', 'dynw']));
  });

  it('the constants option freezes graph inputs (weights or axes given as inputs) into constants', async () => {
    const p = writeModel({
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 2, 3, 3] }, { name: 'w', shape: [2, 2, 1, 1] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    await expect(convertFile(p)).rejects.toThrow(/weights \(input 1\) is not a constant/);
    const { summary } = await convertFile(p, { constants: { w: { dims: [2, 2, 1, 1], data: [1, 0, 0, 1] } } });
    expect(summary.inputs.map((i) => i.name)).toEqual(['x']);
    expect(summary.opCounts.CONV_2D).toBe(1);
  });

  it('refuses an opset newer than the op table', async () => {
    const r = await refusal({ opset: 99, inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y', shape: null }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(r.blockers[0]).toMatchObject({ code: 'opset-too-new', args: { opset: 99 } });
    expect(r.message).toMatch(/opset 99 is newer/);
  });

  it('takes a symbolic batch dim as 1 (or --batch) and says so', async () => {
    const p = writeModel({ opset: 13, inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: null }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    const { summary } = await convertFile(p);
    expect(summary.inputs).toEqual([{ name: 'x', shape: [1, 3] }]);
    expect(summary.notes).toContainEqual({ code: 'symbolic-batch', input: expect.any(String), dim: 'N', size: 1 });
    expect(summary.notes!.map(convertNoteText).join()).toMatch(/symbolic batch dimension 'N' taken as 1/);
    const b4 = await convertFile(p, { batch: 4 });
    expect(b4.summary.inputs[0]!.shape).toEqual([4, 3]);
  });
});

describe('supportedOps() is read from the registered lowerings', () => {
  const required = ['Conv', 'BatchNormalization', 'Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Add', 'Sub', 'Mul', 'Div',
    'GlobalAveragePool', 'ReduceMean', 'AveragePool', 'MaxPool', 'Gemm', 'MatMul', 'Flatten', 'Reshape', 'Transpose', 'Concat',
    'Split', 'Slice', 'Pad', 'Softmax', 'Resize', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'];

  it('covers every op issue #3 asks for, with ReduceMean 13 and 18 and Split 13 and 18', () => {
    const ops = supportedOps();
    const names = new Set(ops.filter((o) => !o.constantOnly).map((o) => o.op));
    for (const op of required) expect(names, op).toContain(op);
    const has = (op: string, v: number) => ops.some((o) => o.op === op && o.version === v);
    expect(has('ReduceMean', 13) && has('ReduceMean', 18) && has('Split', 13) && has('Split', 18)).toBe(true);
    expect(has('Clip', 6) && has('Clip', 11) && has('Clip', 12) && has('Clip', 13)).toBe(true);
  });

  it('every listed version is a real since_version of that op in onnx\'s schema table', async () => {
    const table = JSON.parse(readFileSync(new URL('../../matrix/generated/onnx-op-schemas.json', import.meta.url), 'utf8')) as { ops: Record<string, { since_versions: number[] }> };
    for (const o of supportedOps()) expect(table.ops[o.op]?.since_versions, `${o.op}@${o.version}`).toContain(o.version);
  });
});

describe('the CLI', async () => {
  const { run } = await import('../../src/cli/program.js');
  const capture = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ow = process.stdout.write;
    const ew = process.stderr.write;
    process.stdout.write = ((c: string) => { out.push(String(c)); return true; }) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => { err.push(String(c)); return true; }) as typeof process.stderr.write;
    process.exitCode = undefined;
    try {
      const code = await run(['node', 'tfdoctor', ...argv]);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
      process.exitCode = undefined;
    }
  };
  const model: ModelSpec = {
    opset: 13, inputs: [{ name: 'x', shape: [1, 2, 3, 3] }], outputs: [{ name: 'y', shape: null }],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { op: 'Relu', inputs: ['c'], outputs: ['y'] }],
    initializers: [weight('w', [2, 2, 1, 1], 3)],
  };

  it('convert --json --verify writes the .tflite and a JSON summary with the verification', async () => {
    const dir = tempDir();
    const p = writeModel(model, dir);
    const out = join(dir, 'out.tflite');
    const r = await capture(['convert', p, '-o', out, '--json', '--verify']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ output: out, opsIn: 2, opsOut: 3, opCounts: { TRANSPOSE: 2, CONV_2D: 1 }, inputs: [{ name: 'x', shape: [1, 2, 3, 3] }] });
    expect(j.verify.pass).toBe(true);
    expect(j.verify.maxAbs).toBeLessThanOrEqual(j.verify.tolerance);
    expect(existsSync(out)).toBe(true);
    expect(r.err).toMatch(/convert: /); // progress on stderr
  });

  it('verification catches a wrong .tflite: one corrupted weight fails it', async () => {
    const dir = tempDir();
    const p = writeModel(model, dir);
    const out = join(dir, 'ok.tflite');
    expect((await capture(['convert', p, '-o', out, '-q'])).code).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    const m = readTflite(bytes);
    const filter = m.tensors.find((t) => t.shape.join() === '2,1,1,2' && t.data)!;
    const at = filter.data!.byteOffset + 4; // one float of the filter
    new DataView(bytes.buffer).setFloat32(at, new DataView(bytes.buffer).getFloat32(at, true) + 0.5, true);
    const bad = join(dir, 'bad.tflite');
    writeFileSync(bad, bytes);
    const good = await verifyConversion(p, out, { seed: 1 });
    const wrong = await verifyConversion(p, bad, { seed: 1 });
    expect(good.pass).toBe(true);
    expect(wrong.pass).toBe(false);
    expect(wrong.maxAbs).toBeGreaterThan(wrong.tolerance);
  });

  it('a refusal exits 2, lists blockers on stderr and writes no file', async () => {
    const dir = tempDir();
    const p = join(dir, 'bad.onnx');
    writeFileSync(p, buildModel({ opset: 13, inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: null }], nodes: [{ op: 'Erf', inputs: ['x'], outputs: ['y'] }] }));
    const out = join(dir, 'bad.tflite');
    const r = await capture(['convert', p, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to convert .*1 blocker/);
    expect(r.err).toMatch(/Erf v13/);
    expect(r.err).toMatch(/hint: route that could take this model instead/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(existsSync(out)).toBe(false);
    const j = await capture(['convert', p, '-o', out, '--json', '-q']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toMatchObject({
      refused: true, suggestedRoute: expect.stringMatching(/onnx2tf/),
      // code and arguments as data, the words beside them
      blockers: [{ op: 'Erf', version: 13, code: 'erf-outside-gelu', args: {}, text: expect.stringMatching(/^TFLite has no Erf operator/) }],
    });
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated model exits 2 with one line', async () => {
    const dir = tempDir();
    const p = join(dir, 't.onnx');
    const bytes = buildModel(model);
    writeFileSync(p, bytes.subarray(0, bytes.length - 7));
    const r = await capture(['convert', p, '-q']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/not a readable ONNX model/);
  });
});
