/**
 * The protobuf wire reader against bytes written by @bufbuild/protobuf's writer (a real protobuf
 * encoder): varints of every width, negative int32/int64, int64 beyond 2^53 clamped as the ONNX
 * decoder wants, fixed-width floats, windows that stop at their message's end, groups, and errors.
 */
import { BinaryWriter, WireType as BufWire } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { WireReader, WireType } from '../../src/onnx/wire.js';

describe('WireReader', () => {
  it('reads what a protobuf encoder wrote: varints, negatives, 64-bit values, floats, strings', () => {
    const w = new BinaryWriter();
    const u32 = [0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 32 - 1];
    for (const v of u32) w.tag(1, BufWire.Varint).uint32(v);
    w.tag(2, BufWire.Varint).int32(-1).tag(2, BufWire.Varint).int32(-(2 ** 31));
    const i64 = [0n, -1n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 40n + 7n, -(2n ** 33n) - 5n];
    for (const v of i64) w.tag(3, BufWire.Varint).int64(v);
    w.tag(4, BufWire.Bit32).float(1.5).tag(5, BufWire.Bit64).double(-2.25);
    w.tag(6, BufWire.LengthDelimited).string('conv.weight').tag(6, BufWire.LengthDelimited).string('ünïcode and a name longer than thirty-two bytes');
    w.tag(7, BufWire.Varint).uint64(2n ** 64n - 1n);
    const r = WireReader.of(w.finish());
    for (const v of u32) { r.next(); expect([r.field, r.wire, r.uint32()]).toEqual([1, WireType.Varint, v]); }
    r.next(); expect(r.int32()).toBe(-1);
    r.next(); expect(r.int32()).toBe(-(2 ** 31));
    const clamp = (v: bigint) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(v));
    const at = r.pos;
    for (const v of i64) { r.next(); expect(r.int64()).toBe(clamp(v)); }
    r.pos = at;
    for (const v of i64) { r.next(); expect(r.int64Big()).toBe(v); }
    r.next(); expect([r.wire, r.float()]).toEqual([WireType.Bit32, 1.5]);
    r.next(); expect([r.wire, r.double()]).toEqual([WireType.Bit64, -2.25]);
    r.next(); expect(r.string()).toBe('conv.weight');
    r.next(); expect(r.string()).toBe('ünïcode and a name longer than thirty-two bytes');
    r.next(); expect(r.uint64Big()).toBe(2n ** 64n - 1n);
    expect(r.more()).toBe(false);
  });

  it('a sub-message is a window: reads stop at its end, and skipping covers every wire type', () => {
    const inner = new BinaryWriter().tag(1, BufWire.Varint).int32(5).tag(2, BufWire.Bit64).fixed64(9n).tag(3, BufWire.Bit32).fixed32(3)
      .tag(4, BufWire.StartGroup).tag(1, BufWire.Varint).int32(1).tag(4, BufWire.EndGroup)
      .tag(5, BufWire.LengthDelimited).bytes(new Uint8Array([1, 2, 3])).finish();
    const outer = new BinaryWriter().tag(1, BufWire.LengthDelimited).bytes(inner).tag(2, BufWire.Varint).int32(42).finish();
    const r = WireReader.of(outer);
    r.next();
    const m = r.message();
    const seen: number[] = [];
    while (m.more()) { m.next(); seen.push(m.field); if (m.field === 5) expect(Array.from(m.bytes())).toEqual([1, 2, 3]); else m.skip(); }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    r.next();
    expect([r.field, r.int32()]).toEqual([2, 42]);
  });

  it('malformed bytes throw: truncation, a length past the window, an overlong varint, field 0, wire type 6+', () => {
    const ok = new BinaryWriter().tag(1, BufWire.LengthDelimited).string('abcdef').finish();
    const truncated = WireReader.of(ok.subarray(0, ok.length - 2));
    truncated.next();
    expect(() => truncated.string()).toThrow(/premature EOF/);
    // a message whose declared length runs past its parent's window
    const parent = WireReader.of(new Uint8Array([0x0a, 0x02, 0x0a, 0x05, 0x41, 0x41, 0x41, 0x41, 0x41]));
    parent.next();
    const child = parent.message();
    child.next();
    expect(() => child.bytes()).toThrow(/premature EOF/);
    expect(() => { const x = WireReader.of(new Uint8Array([0x08, ...Array(10).fill(0xff), 0x01])); x.next(); x.uint32(); }).toThrow(/invalid varint/);
    expect(() => WireReader.of(new Uint8Array([0x00, 0x01])).next()).toThrow(/illegal tag/);
    expect(() => WireReader.of(new Uint8Array([0x0e, 0x01])).next()).toThrow(/illegal tag/);
    expect(() => { const x = WireReader.of(new Uint8Array([0x0c])); x.next(); x.skip(); }).toThrow(/cant skip/);
  });

  it('a Node Buffer and a plain Uint8Array read the same', () => {
    const bytes = new BinaryWriter().tag(3, BufWire.LengthDelimited).string('x').finish();
    for (const b of [Buffer.from(bytes), bytes]) {
      const r = WireReader.of(b);
      r.next();
      expect(r.string()).toBe('x');
    }
  });

  it('strings decode as TextDecoder decodes them: a leading BOM dropped, bad bytes replaced, inside a window of a larger buffer', () => {
    const payloads = [[0xef, 0xbb, 0xbf, 0x61], [0x61, 0xef, 0xbb, 0xbf], [0x61, 0xff, 0x62, 0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98, 0x80, 0x7a], []];
    for (const payload of payloads) {
      const w = new BinaryWriter().tag(1, BufWire.LengthDelimited).bytes(new Uint8Array(payload));
      const field = w.finish();
      // the field sits at an offset inside a larger buffer, read through a sub-message window
      const outer = new BinaryWriter().tag(2, BufWire.Varint).int32(7).tag(3, BufWire.LengthDelimited).bytes(field).finish();
      const padded = new Uint8Array(outer.length + 5);
      padded.set(outer, 3);
      const r = WireReader.of(Buffer.from(padded.buffer, 3, outer.length));
      r.next(); r.int32();
      r.next();
      const sub = r.message();
      sub.next();
      expect(sub.string()).toBe(new TextDecoder().decode(new Uint8Array(payload)));
    }
  });
});
