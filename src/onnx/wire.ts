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
/** Node's UTF-8 slicer behind Buffer#toString, without toString's argument handling (toString on a Node without it). */
type Utf8Slice = (this: Buffer, start: number, end: number) => string;
const utf8Slice: Utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice
  ?? function (this: Buffer, start: number, end: number): string { return this.toString('utf8', start, end); };

export class WireReader {
  // `declare`d and set in the constructor, not class fields: a model has thousands of sub-messages,
  // decoded before V8 optimises anything, and the interpreter runs field definitions as a call of
  // their own at every construction
  private declare readonly buf: Uint8Array;
  private declare readonly view: DataView;
  /** a Buffer over the same bytes as `buf` (its UTF-8 slicing) */
  private declare readonly text: Buffer;
  declare pos: number;
  declare readonly end: number;
  /** the current field's number and wire type, set by next() */
  declare field: number;
  declare wire: number;
  // the halves of the last 64-bit varint (fields, not an array: no allocation per read)
  private declare lo: number;
  private declare hi: number;

  private constructor(buf: Uint8Array, view: DataView, text: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.view = view;
    this.text = text;
    this.pos = pos;
    this.end = end;
    this.field = 0;
    this.wire = 0;
    this.lo = 0;
    this.hi = 0;
  }

  static of(bytes: Uint8Array): WireReader {
    // a plain Uint8Array view: a Node Buffer's subarray() is much slower
    const buf = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new WireReader(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), 0, buf.length);
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
    // a one-byte tag (fields 1-15) without the varint reader: most tags, and the interpreter pays per call
    const pos = this.pos;
    const b = this.buf[pos]!;
    if (b < 0x80 && pos < this.end) {
      this.pos = pos + 1;
      this.field = b >>> 3;
      this.wire = b & 7;
      if (this.field <= 0 || this.wire > 5) throw new Error(`illegal tag: field no ${this.field} wire type ${this.wire}`);
      return;
    }
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
    const pos = this.pos;
    let b = buf[pos]!;
    if (b < 0x80 && pos < this.end) {
      this.pos = pos + 1;
      return b;
    }
    this.pos = pos + 1;
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
    // one byte (dims, most attribute ints) without the 64-bit reader
    const pos = this.pos;
    const b = this.buf[pos]!;
    if (b < 0x80 && pos < this.end) {
      this.pos = pos + 1;
      return b;
    }
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
    // Node's UTF-8 slice of the shared Buffer view: no subarray per name (a model has thousands,
    // decoded before V8 optimises anything). It decodes as TextDecoder does but keeps a leading BOM,
    // which TextDecoder drops: such a string takes the decoder.
    if (this.buf[start] !== 0xef) return utf8Slice.call(this.text, start, this.pos);
    return utf8.decode(this.buf.subarray(start, this.pos));
  }

  /** A length-delimited field as a reader over its bytes (same buffer). */
  message(): WireReader {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    this.checkBounds();
    return new WireReader(this.buf, this.view, this.text, start, this.pos);
  }

  /** The bytes of this reader's window (a view, not a copy). */
  window(): Uint8Array {
    return this.buf.subarray(this.pos, this.end);
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
