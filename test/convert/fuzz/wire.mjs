/**
 * A protobuf wire-format tree for the fuzzer: parses bytes into fields (number, wire type, value),
 * descends into the ONNX submessages named in SCHEMA (field numbers from onnx.proto), and encodes the
 * tree back, byte for byte, unless a mutation marked a field with a wrong length or a raw varint.
 */

/** Which length-delimited fields of each ONNX message are themselves messages (onnx.proto facts). */
export const SCHEMA = {
  model: { 7: 'graph', 8: 'opset' },
  graph: { 1: 'node', 5: 'tensor', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 11: 'graph' },
  tensor: { 13: 'entry' },
  valueInfo: { 2: 'type' },
  type: { 1: 'tensorType' },
  tensorType: { 2: 'shape' },
  shape: { 1: 'dim' },
  opset: {},
  entry: {},
  dim: {},
};

export const WT = { VARINT: 0, I64: 1, LEN: 2, I32: 5 };

export class WireError extends Error {}

/** Reads a varint at pos; returns [value as unsigned 64-bit bigint, next pos]. */
export function readVarint(b, pos) {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new WireError('varint runs past the end');
    const x = b[pos++];
    v |= BigInt(x & 0x7f) << BigInt(7 * i);
    if (!(x & 0x80)) return [v & 0xffffffffffffffffn, pos];
  }
  throw new WireError('varint longer than 10 bytes');
}

/** Varint bytes of a bigint or number (negatives as 64-bit two's complement, as int64 fields are). */
export function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return Uint8Array.from(out);
}

/** Parses one message's bytes into fields; `kind` (a SCHEMA key) says which fields to descend into. */
export function parseMessage(bytes, kind) {
  const fields = [];
  let pos = 0;
  while (pos < bytes.length) {
    let tag;
    [tag, pos] = readVarint(bytes, pos);
    const f = Number(tag >> 3n);
    const wt = Number(tag & 7n);
    if (f === 0) throw new WireError('field number 0');
    if (wt === WT.VARINT) {
      let v;
      [v, pos] = readVarint(bytes, pos);
      fields.push({ f, wt, v });
    } else if (wt === WT.I64 || wt === WT.I32) {
      const n = wt === WT.I64 ? 8 : 4;
      if (pos + n > bytes.length) throw new WireError('fixed field runs past the end');
      fields.push({ f, wt, v: bytes.slice(pos, pos + n) });
      pos += n;
    } else if (wt === WT.LEN) {
      let len;
      [len, pos] = readVarint(bytes, pos);
      if (BigInt(pos) + len > BigInt(bytes.length)) throw new WireError('length runs past the end');
      const v = bytes.slice(pos, pos + Number(len));
      pos += Number(len);
      const child = kind ? SCHEMA[kind]?.[f] : undefined;
      const field = { f, wt, v };
      if (child) {
        try {
          field.msg = parseMessage(v, child);
          field.kind = child;
        } catch {
          // not a message after all (a seed model never does this; mutants may): keep the bytes
        }
      }
      fields.push(field);
    } else {
      throw new WireError(`wire type ${wt}`);
    }
  }
  return fields;
}

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Encodes fields back to bytes, honouring a mutation's `lenOverride` (a lying length) or `rawValue`. */
export function encodeMessage(fields) {
  const parts = [];
  for (const fl of fields) {
    parts.push(varint((BigInt(fl.f) << 3n) | BigInt(fl.wt)));
    if (fl.rawValue) { parts.push(fl.rawValue); continue; }
    if (fl.wt === WT.VARINT) parts.push(varint(fl.v));
    else if (fl.wt === WT.LEN) {
      const body = fl.msg ? encodeMessage(fl.msg) : fl.v;
      parts.push(varint(fl.lenOverride ?? body.length), body);
    } else parts.push(fl.v);
  }
  return concat(parts);
}

/** Every message in the tree (depth first), with its kind and the field holding it. */
export function messages(fields, kind = 'model', holder = undefined, out = []) {
  out.push({ kind, fields, holder });
  for (const fl of fields) if (fl.msg) messages(fl.msg, fl.kind, fl, out);
  return out;
}

/** Reads a packed run of varints (e.g. TensorProto.dims) as signed 64-bit bigints. */
export function unpackVarints(bytes) {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    let v;
    [v, pos] = readVarint(bytes, pos);
    out.push(BigInt.asIntN(64, v));
  }
  return out;
}

export function packVarints(values) {
  return concat(values.map((v) => varint(v)));
}

export function deepCopy(fl) {
  return { ...fl, v: fl.v instanceof Uint8Array ? fl.v.slice() : fl.v, ...(fl.msg ? { msg: fl.msg.map(deepCopy) } : {}) };
}
