/**
 * A protobuf wire-format reader over a window of one buffer. A sub-message is a new window on the same
 * buffer and DataView (nothing is copied or re-wrapped), which keeps decoding a model's many small
 * messages cheap. Every read is bounds-checked against the window and throws on malformed bytes.
 */

export const WireType = { Varint: 0, Bit64: 1, LengthDelimited: 2, StartGroup: 3, EndGroup: 4, Bit32: 5 } as const;

/** How deeply groups (a deprecated wire type no ONNX field uses) may nest before skipping gives up. */
const GROUP_DEPTH_LIMIT = 100;
const TWO_32 = 2 ** 32;

const utf8 = new TextDecoder();

export class WireReader {
  /** the current field's number and wire type, set by next() */
  field = 0;
  wire = 0;

  private constructor(
    private readonly buf: Uint8Array,
    private readonly view: DataView,
    public pos: number,
    public readonly end: number,
  ) {}

  static of(bytes: Uint8Array): WireReader {
    // a plain Uint8Array view: a Node Buffer's subarray() is much slower
    const buf = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new WireReader(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, buf.length);
  }

  /** Whether fields remain in the window. */
  more(): boolean {
    return this.pos < this.end;
  }

  private checkBounds(): void {
    if (this.pos > this.end) throw new RangeError('premature EOF');
  }

  /** Reads the next tag into `field` and `wire`. */
  next(): void {
    const start = this.pos;
    const tag = this.uint32();
    if (this.pos - start > 5 || (this.pos - start === 5 && this.buf[this.pos - 1]! > 0x0f)) throw new Error('illegal tag: varint overflows uint32');
    this.field = tag >>> 3;
    this.wire = tag & 7;
    if (this.field <= 0 || this.wire > 5) throw new Error(`illegal tag: field no ${this.field} wire type ${this.wire}`);
  }

  /** A varint's low 32 bits, unsigned (longer varints, e.g. a negative int32, are read to their end). */
  uint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    let result = b & 0x7f;
    if (b & 0x80) {
      b = buf[this.pos++]!;
      result |= (b & 0x7f) << 7;
      if (b & 0x80) {
        b = buf[this.pos++]!;
        result |= (b & 0x7f) << 14;
        if (b & 0x80) {
          b = buf[this.pos++]!;
          result |= (b & 0x7f) << 21;
          if (b & 0x80) {
            b = buf[this.pos++]!;
            result |= (b & 0x0f) << 28;
            for (let n = 5; b & 0x80 && n < 10; n++) b = buf[this.pos++]!;
            if (b & 0x80) throw new Error('invalid varint');
          }
        }
      }
    }
    this.checkBounds();
    return result >>> 0;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  // the halves of the last 64-bit varint (fields, not an array: no allocation per read)
  private lo = 0;
  private hi = 0;

  /** Reads a varint into `lo` and `hi` (unsigned 32-bit halves). */
  private varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      if (!(b & 0x80)) { this.checkBounds(); this.lo = lo >>> 0; this.hi = 0; return; }
    }
    b = buf[this.pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x70) >> 4;
    if (b & 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new Error('invalid varint');
        b = buf[this.pos++]!;
        hi |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
    }
    this.checkBounds();
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** An int64 as a number; beyond +-2^53 it is clamped to the safe integer range (INT64_MAX "to the end" sentinels). */
  int64(): number {
    this.varint64();
    const { lo, hi } = this;
    if (hi & 0x80000000) {
      // two's complement: the magnitude is ~x + 1
      const mlo = (~lo + 1) >>> 0;
      const mhi = (~hi + (mlo === 0 ? 1 : 0)) >>> 0;
      const m = mhi * TWO_32 + mlo;
      return m > Number.MAX_SAFE_INTEGER ? Number.MIN_SAFE_INTEGER : -m;
    }
    const v = hi * TWO_32 + lo;
    return v > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : v;
  }

  int64Big(): bigint {
    this.varint64();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  uint64Big(): bigint {
    this.varint64();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  float(): number {
    this.pos += 4;
    this.checkBounds();
    return this.view.getFloat32(this.pos - 4, true);
  }

  double(): number {
    this.pos += 8;
    this.checkBounds();
    return this.view.getFloat64(this.pos - 8, true);
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.checkBounds();
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.checkBounds();
    const buf = this.buf;
    // short ASCII (names, op types) without a trip through the decoder
    if (len <= 32) {
      let ascii = true;
      for (let i = start; i < this.pos; i++) if (buf[i]! > 0x7f) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, this.pos) as unknown as number[]);
    }
    return utf8.decode(buf.subarray(start, this.pos));
  }

  /** A length-delimited field as a reader over its bytes (same buffer). */
  message(): WireReader {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.checkBounds();
    return new WireReader(this.buf, this.view, start, this.pos);
  }

  /** A reader over bytes that came from this reader's buffer (a view bytes() returned). */
  over(bytes: Uint8Array): WireReader {
    if (bytes.buffer === this.buf.buffer) {
      const start = bytes.byteOffset - this.buf.byteOffset;
      if (start >= 0 && start + bytes.length <= this.buf.length) return new WireReader(this.buf, this.view, start, start + bytes.length);
    }
    return WireReader.of(bytes);
  }

  /** Skips the current field's value. */
  skip(depth = GROUP_DEPTH_LIMIT): void {
    switch (this.wire) {
      case WireType.Varint:
        while (this.buf[this.pos++]! & 0x80) { /* to the last byte */ }
        break;
      case WireType.Bit64: this.pos += 8; break;
      case WireType.Bit32: this.pos += 4; break;
      case WireType.LengthDelimited: {
        const len = this.uint32();
        this.pos += len;
        break;
      }
      case WireType.StartGroup: {
        if (depth <= 0) throw new Error('maximum recursion depth reached');
        const group = this.field;
        for (;;) {
          this.next();
          if ((this.wire as number) === WireType.EndGroup) {
            if (this.field !== group) throw new Error('invalid end group tag');
            break;
          }
          this.skip(depth - 1);
        }
        break;
      }
      default: throw new Error(`cant skip wire type ${this.wire}`);
    }
    this.checkBounds();
  }
}
