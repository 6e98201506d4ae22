/**
 * A small flatbuffer builder for the tables layoutTflite writes. It lays bytes out as the format's
 * reference builders do (back to front; each scalar aligned to its size; a table's vtable after its
 * fields, shared with an identical earlier one), so the .tflite is the same as with the flatbuffers
 * package's Builder. Why not that Builder: a conversion runs once per process, before V8 has compiled
 * anything, and its ~20 interpreted calls per field (plus the background compiles they trigger, which
 * exit then waits for) cost 20-30 ms on FBNet-A's 18 KB of tables; this does a field in 2-3 calls.
 */

/** A table or vector's position: its distance from the end of the buffer. */
export type Offset = number;

export class FlatbufferBuilder {
  private bytes: Uint8Array;
  private view: DataView;
  /** free bytes at the front; data lives in bytes[space..] */
  private space: number;
  private minAlign = 1;
  /** the open table's field positions by slot (0: not written) */
  private fields: number[] = [];
  private fieldCount = 0;
  private tableStart = 0;
  /** every distinct vtable written so far, in order (earlier ones are reused first) */
  private vtables: Offset[] = [];
  private readonly encoder = new TextEncoder();

  constructor(initialBytes = 1024) {
    this.bytes = new Uint8Array(initialBytes);
    this.view = new DataView(this.bytes.buffer);
    this.space = initialBytes;
  }

  /** The position of the last thing written. */
  offset(): Offset {
    return this.bytes.length - this.space;
  }

  /**
   * Zero-pads so that after `extra` more bytes the position is a multiple of `size`, with room for
   * them and a `size`-byte value.
   */
  prep(size: number, extra: number): void {
    if (size > this.minAlign) this.minAlign = size;
    const pad = -(this.bytes.length - this.space + extra) & (size - 1);
    while (this.space < pad + size + extra) this.grow();
    for (let i = 0; i < pad; i++) this.bytes[--this.space] = 0;
  }

  private grow(): void {
    const old = this.bytes;
    if (old.length >= 2 ** 30) throw new Error('flatbuffer tables beyond 2 GB');
    this.bytes = new Uint8Array(old.length * 2);
    this.bytes.set(old, old.length);
    this.view = new DataView(this.bytes.buffer);
    this.space += old.length;
  }

  private int32(value: number): void {
    this.prep(4, 0);
    this.view.setInt32((this.space -= 4), value, true);
  }

  private int16(value: number): void {
    this.prep(2, 0);
    this.view.setInt16((this.space -= 2), value, true);
  }

  startTable(slots: number): void {
    for (let i = 0; i < slots; i++) this.fields[i] = 0;
    this.fieldCount = slots;
    this.tableStart = this.offset();
  }

  /** Scalar fields are left out when they hold the schema's default (readers then read the default). */
  int8Field(slot: number, value: number, dflt: number): void {
    if (value === dflt) return;
    this.prep(1, 0);
    this.view.setInt8(--this.space, value);
    this.fields[slot] = this.offset();
  }

  int32Field(slot: number, value: number, dflt: number): void {
    if (value === dflt) return;
    this.int32(value);
    this.fields[slot] = this.offset();
  }

  float32Field(slot: number, value: number, dflt: number): void {
    if (value === dflt) return;
    this.prep(4, 0);
    this.view.setFloat32((this.space -= 4), value, true);
    this.fields[slot] = this.offset();
  }

  /** A reference to a table, vector or string written earlier (0: none, the field is left out). */
  offsetField(slot: number, target: Offset): void {
    if (target === 0) return;
    this.reference(target);
    this.fields[slot] = this.offset();
  }

  /** An unsigned 32-bit distance from here forward to `target`. */
  private reference(target: Offset): void {
    this.prep(4, 0);
    const distance = this.offset() + 4 - target;
    this.view.setInt32((this.space -= 4), distance, true);
  }

  /** Closes the table: its vtable (field count trimmed of unset trailing slots) follows, or an equal earlier one is referenced. */
  endTable(): Offset {
    this.int32(0);
    const table = this.offset();
    let used = this.fieldCount;
    while (used > 0 && this.fields[used - 1] === 0) used--;
    for (let i = used - 1; i >= 0; i--) this.int16(this.fields[i] ? table - this.fields[i]! : 0);
    this.int16(table - this.tableStart);
    const length = (used + 2) * 2;
    this.int16(length);
    const here = this.space;
    let shared = 0;
    for (const vt of this.vtables) {
      const at = this.bytes.length - vt;
      if (this.view.getInt16(at, true) !== length) continue;
      let same = true;
      for (let j = 2; j < length && same; j += 2) same = this.view.getInt16(here + j, true) === this.view.getInt16(at + j, true);
      if (same) { shared = vt; break; }
    }
    if (shared) {
      // drop the vtable just written; the table points at the earlier one
      this.space = this.bytes.length - table;
      this.view.setInt32(this.space, shared - table, true);
    } else {
      this.vtables.push(this.offset());
      this.view.setInt32(this.bytes.length - table, this.offset() - table, true);
    }
    return table;
  }

  /** Opens a vector of `count` elements of `elementBytes` each (written last to first), length prefix 4-aligned. */
  private startVector(elementBytes: number, count: number): void {
    this.prep(4, elementBytes * count);
    this.prep(elementBytes, elementBytes * count);
  }

  private endVector(count: number): Offset {
    this.view.setInt32((this.space -= 4), count, true);
    return this.offset();
  }

  int32Vector(items: readonly number[]): Offset {
    this.startVector(4, items.length);
    for (let i = items.length - 1; i >= 0; i--) this.view.setInt32((this.space -= 4), items[i]!, true);
    return this.endVector(items.length);
  }

  float32Vector(items: readonly number[]): Offset {
    this.startVector(4, items.length);
    for (let i = items.length - 1; i >= 0; i--) this.view.setFloat32((this.space -= 4), items[i]!, true);
    return this.endVector(items.length);
  }

  int64Vector(items: readonly number[]): Offset {
    this.startVector(8, items.length);
    for (let i = items.length - 1; i >= 0; i--) this.view.setBigInt64((this.space -= 8), BigInt(items[i]!), true);
    return this.endVector(items.length);
  }

  offsetVector(items: readonly Offset[]): Offset {
    this.startVector(4, items.length);
    for (let i = items.length - 1; i >= 0; i--) this.reference(items[i]!);
    return this.endVector(items.length);
  }

  /** UTF-8 bytes, then a terminating 0 not counted in the length. */
  string(text: string): Offset {
    const utf8 = this.encoder.encode(text);
    this.prep(1, 0);
    this.bytes[--this.space] = 0;
    this.startVector(1, utf8.length);
    this.bytes.set(utf8, (this.space -= utf8.length));
    return this.endVector(utf8.length);
  }

  /** Ends the buffer: the root table's reference, then the 4-character file identifier. */
  finish(root: Offset, identifier: string): void {
    if (identifier.length !== 4) throw new Error(`a file identifier has 4 characters, not '${identifier}'`);
    this.prep(this.minAlign, 8);
    for (let i = 3; i >= 0; i--) this.bytes[--this.space] = identifier.charCodeAt(i);
    this.prep(this.minAlign, 4);
    this.reference(root);
  }

  /** The finished bytes (a view on the builder's buffer). */
  asUint8Array(): Uint8Array {
    return this.bytes.subarray(this.space);
  }
}
