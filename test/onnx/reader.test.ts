import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { readOnnxFile, parseOnnxBytes } from '../../src/onnx/read.js';
import { UserError } from '../../src/util/errors.js';
import { buildModel, DT, rawBytes, type ModelSpec, type TensorSpec } from '../convert/helpers/onnx-builder.js';
import { tempDir } from '../convert/helpers/run.js';

function modelWith(initializers: TensorSpec[], extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    opset: 13,
    inputs: [{ name: 'x', shape: [1, 2] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    initializers,
    ...extra,
  };
}

function write(spec: ModelSpec, dir = tempDir()): string {
  const p = join(dir, 'm.onnx');
  writeFileSync(p, buildModel(spec));
  return p;
}

describe('ONNX reader: initializer encodings', () => {
  it('decodes raw_data at unaligned offsets, float_data, int32_data, int64_data (negative and > 2^32), double_data', () => {
    const inits: TensorSpec[] = [
      // odd-length names shift raw_data to offsets that are not multiples of 4
      { name: 'raw_f', dims: [3], values: [1.5, -2.25, 3e-8], encoding: 'raw' },
      { name: 'raw_fx', dims: [2, 2], values: [1, 2, 3, 4], encoding: 'raw' },
      { name: 'typed_f', dims: [2], values: [0.5, -7], encoding: 'float_data' },
      { name: 'i32', dims: [3], dataType: DT.INT32, values: [-1, 0, 2147483647], encoding: 'int32_data' },
      { name: 'i64', dims: [2], dataType: DT.INT64, values: [-1, 2 ** 40 + 3], encoding: 'int64_data' },
      { name: 'i64raw', dims: [2], dataType: DT.INT64, values: [-5, 2 ** 40 + 3], encoding: 'raw' },
      { name: 'd', dims: [1], dataType: DT.DOUBLE, values: [0.1], encoding: 'double_data' },
      { name: 'scalar', dims: [], values: [42], encoding: 'raw' },
    ];
    const bytes = buildModel(modelWith(inits));
    const m = parseOnnxBytes(bytes, 'test');
    const rawOffsets = m.graph.initializers.filter((t) => t.raw).map((t) => t.raw!.byteOffset % 4);
    expect(rawOffsets.some((o) => o !== 0)).toBe(true); // the unaligned case really happens
    const { initializers: got } = readOnnxFile(write(modelWith(inits)));
    expect(Array.from(got.get('raw_f')!.data)).toEqual([1.5, -2.25, Math.fround(3e-8)]);
    expect(got.get('raw_fx')!.shape).toEqual([2, 2]);
    expect(Array.from(got.get('raw_fx')!.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(got.get('typed_f')!.data)).toEqual([0.5, -7]);
    expect(Array.from(got.get('i32')!.data)).toEqual([-1, 0, 2147483647]);
    expect(Array.from(got.get('i64')!.data)).toEqual([-1, 2 ** 40 + 3]);
    expect(Array.from(got.get('i64raw')!.data)).toEqual([-5, 2 ** 40 + 3]);
    expect(Array.from(got.get('d')!.data)).toEqual([0.1]);
    expect(got.get('scalar')!.shape).toEqual([]);
    expect(Array.from(got.get('scalar')!.data)).toEqual([42]);
  });

  it('reads the opset import, symbolic dims and negative INT attributes', () => {
    const m = parseOnnxBytes(
      buildModel({
        opset: 18,
        inputs: [{ name: 'x', shape: ['batch', 3] }],
        outputs: [{ name: 'y', shape: null }],
        nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: { i: -1 }, f: { f: 0.25 } } }],
      }),
      't',
    );
    expect(m.opsets.get('')).toBe(18);
    expect(m.graph.inputs[0]!.shape).toEqual(['batch', 3]);
    expect(m.graph.outputs[0]!.shape).toBeNull();
    expect(m.graph.nodes[0]!.attrs.get('axis')).toEqual({ type: 'int', value: -1 });
    expect(m.graph.nodes[0]!.attrs.get('f')).toEqual({ type: 'float', value: 0.25 });
  });

  it('counts the data length against the dims', () => {
    const p = write(modelWith([{ name: 'short', dims: [4], values: [1, 2, 3], encoding: 'raw' }]));
    expect(() => readOnnxFile(p)).toThrow(/12 bytes of data, expected 16/);
  });

  it('counts typed values against the dims before allocating for them (dims of 2^31-1 with 2 values)', () => {
    const p = write(modelWith([{ name: 'claims', dims: [2 ** 31 - 1], values: [1, 2], encoding: 'float_data' }]));
    const before = process.memoryUsage().arrayBuffers;
    expect(() => readOnnxFile(p)).toThrow(/has 2 values in float_data, expected 2147483647/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
});

describe('ONNX reader: repeated singular message fields merge, as protobuf (and onnxruntime) merge them', () => {
  /** Re-encodes a model with one of its message fields split in two occurrences (fields [0, k) and [k, n)). */
  function split(bytes: Uint8Array, path: number[]): Uint8Array {
    const w = (fields: [number, number, Uint8Array | bigint][]) => {
      const out = new BinaryWriter();
      for (const [f, wt, v] of fields) {
        if (wt === WireType.Varint) out.tag(f, wt).uint64(v as bigint);
        else out.tag(f, WireType.LengthDelimited).bytes(v as Uint8Array);
      }
      return out.finish();
    };
    const fieldsOf = (b: Uint8Array) => {
      const r = new BinaryReader(b);
      const fs: [number, number, Uint8Array | bigint][] = [];
      while (r.pos < r.len) {
        const [f, wt] = r.tag();
        fs.push([f, wt, wt === WireType.Varint ? BigInt(r.uint64()) : r.bytes()]);
      }
      return fs;
    };
    const [head, ...rest] = path;
    const fields = fieldsOf(bytes);
    const k = fields.findIndex(([f]) => f === head);
    if (!rest.length) {
      const inner = fieldsOf(fields[k]![2] as Uint8Array);
      const half = Math.ceil(inner.length / 2);
      fields.splice(k, 1, [head!, 2, w(inner.slice(0, half))], [head!, 2, w(inner.slice(half))]);
    } else fields[k] = [head!, 2, split(fields[k]![2] as Uint8Array, rest)];
    return w(fields);
  }
  const spec = modelWith([{ name: 'w', dims: [2], values: [1, 2] }], { inputs: [{ name: 'x', shape: [1, 2, 3] }] });

  it('a graph in two occurrences is one graph; a shape in two occurrences has all its dims', () => {
    const whole = parseOnnxBytes(buildModel(spec), 'whole');
    const twoGraphs = parseOnnxBytes(split(buildModel(spec), [7]), 'two graphs');
    expect(twoGraphs.graph.nodes.map((n) => n.opType)).toEqual(whole.graph.nodes.map((n) => n.opType));
    expect(twoGraphs.graph.initializers.map((t) => t.name)).toEqual(['w']);
    expect(twoGraphs.graph.inputs.map((v) => v.name)).toEqual(['x']);
    // graph 7 > input 11 > type 2 > tensor_type 1 > shape 2: dims [1] and [2, 3] merge into [1, 2, 3]
    const twoShapes = parseOnnxBytes(split(buildModel(spec), [7, 11, 2, 1, 2]), 'two shapes');
    expect(twoShapes.graph.inputs[0]!.shape).toEqual([1, 2, 3]);
  });
});

describe('ONNX reader: external data', () => {
  const ext = (location: string, offset: number, values: number[], name = 'w'): TensorSpec => ({
    name, dims: [values.length], values, encoding: 'external', external: { location, offset },
  });

  it('reads location/offset/length relative to the model folder', () => {
    const dir = tempDir();
    const data = new Uint8Array(64);
    data.set(rawBytes(DT.FLOAT, [1, 2, 3]), 0);
    data.set(rawBytes(DT.FLOAT, [-4, 5]), 20); // not at the start of the file
    writeFileSync(join(dir, 'm.onnx.data'), data);
    const p = write(modelWith([ext('m.onnx.data', 0, [1, 2, 3], 'a'), ext('m.onnx.data', 20, [-4, 5], 'b')]), dir);
    const { initializers } = readOnnxFile(p);
    expect(Array.from(initializers.get('a')!.data)).toEqual([1, 2, 3]);
    expect(Array.from(initializers.get('b')!.data)).toEqual([-4, 5]);
  });

  it('reads a file in a subfolder of the model folder', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'weights'));
    writeFileSync(join(dir, 'weights', 'w.bin'), rawBytes(DT.FLOAT, [7, 8]));
    const { initializers } = readOnnxFile(write(modelWith([ext('weights/w.bin', 0, [7, 8])]), dir));
    expect(Array.from(initializers.get('w')!.data)).toEqual([7, 8]);
  });

  it('refuses paths that leave the model folder: .., absolute, symlink out', () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.bin'), rawBytes(DT.FLOAT, [1, 2]));
    const dir = tempDir();
    const rel = join('..', outside.split('/').pop()!, 'secret.bin');
    expect(() => readOnnxFile(write(modelWith([ext(rel, 0, [1, 2])]), dir))).toThrow(/leaves the model's folder/);
    expect(() => readOnnxFile(write(modelWith([ext(join(outside, 'secret.bin'), 0, [1, 2])]), tempDir()))).toThrow(/leaves the model's folder/);
    const d3 = tempDir();
    symlinkSync(join(outside, 'secret.bin'), join(d3, 'link.bin'));
    expect(() => readOnnxFile(write(modelWith([ext('link.bin', 0, [1, 2])]), d3))).toThrow(/resolves outside the model's folder/);
    expect(() => readOnnxFile(write(modelWith([ext(rel, 0, [1, 2])]), tempDir()))).toThrow(UserError);
  });

  it('refuses a data file that is too short or missing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(6));
    expect(() => readOnnxFile(write(modelWith([ext('w.bin', 0, [1, 2])]), dir))).toThrow(/too short/);
    expect(() => readOnnxFile(write(modelWith([ext('nope.bin', 0, [1, 2])]), tempDir()))).toThrow(/not found/);
  });
});

describe('ONNX reader: truncated and hostile input gives a one-line UserError', () => {
  const good = buildModel(modelWith([{ name: 'w', dims: [4], values: [1, 2, 3, 4] }]));
  const expectUserError = (bytes: Uint8Array, re: RegExp = /not a readable ONNX model/) => {
    let err: unknown;
    try { parseOnnxBytes(bytes, 'bad.onnx'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain('\n');
  };

  it('every truncation of a real model fails cleanly (or decodes a shorter valid prefix)', () => {
    for (let cut = 1; cut < good.length; cut++) {
      try {
        parseOnnxBytes(good.subarray(0, cut), 'cut.onnx');
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
      }
    }
    expectUserError(good.subarray(0, good.length - 3));
  });

  it('a length prefix beyond the buffer', () => {
    const w = new BinaryWriter();
    w.tag(7, WireType.LengthDelimited).uint32(1_000_000); // graph claims 1 MB
    w.raw(new Uint8Array(10));
    expectUserError(w.finish());
  });

  it('random bytes and an empty file', () => {
    expectUserError(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expectUserError(new Uint8Array(0), /no graph/);
  });

  it('absurd dims and element counts', () => {
    const p = write(modelWith([{ name: 'big', dims: [1 << 20, 1 << 20], values: [], encoding: 'raw' }]));
    expect(() => readOnnxFile(p)).toThrow(/too large/);
    const neg = write(modelWith([{ name: 'neg', dims: [-3], values: [], encoding: 'raw' }]));
    expect(() => readOnnxFile(neg)).toThrow(UserError);
  });

  it('subgraphs nested without end', () => {
    // a graph attribute inside a node inside a graph ... 40 levels deep
    let inner = new BinaryWriter().finish();
    for (let d = 0; d < 40; d++) {
      const node = new BinaryWriter();
      node.tag(4, WireType.LengthDelimited).string('If');
      node.tag(5, WireType.LengthDelimited).fork();
      node.tag(1, WireType.LengthDelimited).string('then_branch');
      node.tag(20, WireType.Varint).int32(5);
      node.tag(6, WireType.LengthDelimited).bytes(inner);
      node.join();
      const g = new BinaryWriter();
      g.tag(1, WireType.LengthDelimited).bytes(node.finish());
      inner = g.finish();
    }
    const m = new BinaryWriter();
    m.tag(7, WireType.LengthDelimited).bytes(inner);
    expectUserError(m.finish(), /nested deeper/);
  });

  it('a missing file', () => {
    expect(() => readOnnxFile('/nonexistent/model.onnx')).toThrow(/cannot read/);
  });
});
