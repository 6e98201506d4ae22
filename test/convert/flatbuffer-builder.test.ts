/**
 * The writer's own flatbuffer builder (src/convert/tflite/flatbuffer-builder.ts) lays bytes out as the
 * flatbuffers package's Builder does: the same tables, vectors and strings built by both give the same
 * bytes. Covered: scalar fields left out at their defaults, vtables shared between equal tables and
 * trimmed of unset trailing slots, 1/4/8-byte vectors and their alignment, strings (with non-ASCII),
 * nested references, a forced 16-byte alignment, growth beyond the initial size, the file identifier.
 */
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { FlatbufferBuilder } from '../../src/convert/tflite/flatbuffer-builder.js';

/** One script of building steps, run against either builder through the same small interface. */
interface Steps {
  prep(size: number, extra: number): void;
  start(slots: number): void;
  end(): number;
  i8(slot: number, v: number, d: number): void;
  i32(slot: number, v: number, d: number): void;
  f32(slot: number, v: number, d: number): void;
  ref(slot: number, target: number): void;
  i32s(xs: number[]): number;
  f32s(xs: number[]): number;
  i64s(xs: number[]): number;
  refs(xs: number[]): number;
  str(s: string): number;
  finish(root: number, id: string): void;
  bytes(): Uint8Array;
}

function theirs(initial: number): Steps {
  const b = new flatbuffers.Builder(initial);
  const vec = (size: number, xs: number[], add: (x: number) => void): number => {
    b.startVector(size, xs.length, size);
    for (let i = xs.length - 1; i >= 0; i--) add(xs[i]!);
    return b.endVector();
  };
  return {
    prep: (s, e) => b.prep(s, e),
    start: (n) => b.startObject(n),
    end: () => b.endObject(),
    i8: (s, v, d) => b.addFieldInt8(s, v, d),
    i32: (s, v, d) => b.addFieldInt32(s, v, d),
    f32: (s, v, d) => b.addFieldFloat32(s, v, d),
    ref: (s, t) => b.addFieldOffset(s, t, 0),
    i32s: (xs) => vec(4, xs, (x) => b.addInt32(x)),
    f32s: (xs) => vec(4, xs, (x) => b.addFloat32(x)),
    i64s: (xs) => vec(8, xs, (x) => b.addInt64(BigInt(x))),
    refs: (xs) => vec(4, xs, (x) => b.addOffset(x)),
    str: (s) => b.createString(s),
    finish: (r, id) => b.finish(r, id),
    bytes: () => b.asUint8Array(),
  };
}

function ours(initial: number): Steps {
  const b = new FlatbufferBuilder(initial);
  return {
    prep: (s, e) => b.prep(s, e),
    start: (n) => b.startTable(n),
    end: () => b.endTable(),
    i8: (s, v, d) => b.int8Field(s, v, d),
    i32: (s, v, d) => b.int32Field(s, v, d),
    f32: (s, v, d) => b.float32Field(s, v, d),
    ref: (s, t) => b.offsetField(s, t),
    i32s: (xs) => b.int32Vector(xs),
    f32s: (xs) => b.float32Vector(xs),
    i64s: (xs) => b.int64Vector(xs),
    refs: (xs) => b.offsetVector(xs),
    str: (s) => b.string(s),
    finish: (r, id) => b.finish(r, id),
    bytes: () => b.asUint8Array(),
  };
}

/** A model-like buffer: tensors with shapes and names, quantization, operators with options, a root. */
function build(b: Steps, forceAlign: boolean): Uint8Array {
  if (forceAlign) b.prep(16, 0);
  const tensors: number[] = [];
  for (let i = 0; i < 40; i++) {
    const name = b.str(i % 7 === 0 ? `tensor_${i}_é→` : `t${i}`);
    const shape = b.i32s(Array.from({ length: (i % 4) + 1 }, (_, k) => k + i));
    const quant = i % 5 === 0 ? (() => {
      const scale = b.f32s([0.5, 0.25 * i]);
      const zero = b.i64s([0, -i, 2 ** 40]);
      b.start(7);
      b.ref(2, scale);
      b.ref(3, zero);
      b.i32(6, i % 2, 0);
      return b.end();
    })() : 0;
    b.start(8);
    b.ref(0, shape);
    b.i8(1, i % 3, 0); // type: 0 (the default) left out for a third of them
    b.i32(2, i % 2 ? i : 0, 0);
    b.ref(3, name);
    if (quant) b.ref(4, quant);
    tensors.push(b.end());
  }
  const ops: number[] = [];
  for (let i = 0; i < 25; i++) {
    const inputs = b.i32s([i, i + 1]);
    const outputs = b.i32s([i + 2]);
    b.start(3);
    b.i8(0, i % 4, 0);
    b.i32(1, i % 3 === 0 ? 0 : 1, 0); // many equal tables: shared vtables
    b.f32(2, i % 2 ? 0.5 : 0, 0);
    const options = b.end();
    b.start(9);
    b.i32(0, i % 6, 0);
    b.ref(1, inputs);
    b.ref(2, outputs);
    b.i8(3, 1, 0);
    b.ref(4, options);
    ops.push(b.end());
  }
  const tensorVec = b.refs(tensors);
  const opVec = b.refs(ops);
  const description = b.str('a description');
  const empty = b.refs([]);
  b.start(6);
  b.i32(0, 3, 0);
  b.ref(1, tensorVec);
  b.ref(2, opVec);
  b.ref(3, description);
  b.ref(5, empty);
  const root = b.end();
  b.finish(root, 'TFL3');
  return b.bytes();
}

describe('FlatbufferBuilder', () => {
  it('builds the same bytes as the flatbuffers package, with and without a forced 16-byte alignment', () => {
    for (const forceAlign of [false, true]) {
      const expected = build(theirs(1024), forceAlign);
      expect(expected.length).toBeGreaterThan(1024); // both builders had to grow
      expect(Buffer.from(build(ours(64), forceAlign)).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('shares a vtable between equal tables, as the reference builder does (fewer bytes than one each)', () => {
    const one = (n: number) => {
      const b = ours(64);
      const tables = Array.from({ length: n }, () => { b.start(2); b.i32(0, 7, 0); return b.end(); });
      b.finish(b.refs(tables), 'TEST');
      return b.bytes().length;
    };
    // each further table: its 4-byte vtable reference and a 4-byte field, no vtable of its own
    expect(one(3) - one(2)).toBe(12); // 8 for the table, 4 for its reference in the vector
  });
});
