/**
 * Decodes ONNX protobuf bytes with @bufbuild/protobuf's wire reader and our own knowledge of the
 * onnx.proto field numbers (format facts). Unknown fields are skipped; every read is bounds-checked
 * by the reader, and we add limits on nesting and sizes so hostile files fail fast.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { UserError } from '../util/errors.js';
import type { AttrValue, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo, TensorProtoData } from './model.js';
import { AttrType } from './model.js';

/** Subgraphs (If/Loop bodies) nest through attributes; a hostile file could nest without end. */
const MAX_GRAPH_DEPTH = 8;
/** TypeProto can nest (sequence of sequence ...). */
const MAX_TYPE_DEPTH = 8;
/** No real tensor has more dims than this. */
export const MAX_RANK = 32;

export class OnnxFormatError extends Error {}

function bad(msg: string): never {
  throw new OnnxFormatError(msg);
}

function toNum(v: bigint | string, what: string): number {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
    // int64 extremes (INT64_MAX as "to the end" in Slice) stay meaningful as +-Infinity-like huge values
    return b > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  void what;
  return Number(b);
}

function toBig(v: bigint | string): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Reads a repeated scalar field that may be packed (length-delimited) or not. */
function readRepeated<T>(r: BinaryReader, wt: WireType, one: (rr: BinaryReader) => T, out: T[]): void {
  if (wt === WireType.LengthDelimited) {
    const bytes = r.bytes();
    const sub = new BinaryReader(bytes);
    while (sub.pos < sub.len) out.push(one(sub));
  } else {
    out.push(one(r));
  }
}

function sub(r: BinaryReader): BinaryReader {
  return new BinaryReader(r.bytes());
}

/**
 * A singular message field may occur more than once on the wire; protobuf merges the occurrences, which
 * is the same as decoding their bytes one after another (what onnxruntime's parser does, too).
 */
function merged(chunks: Uint8Array[]): BinaryReader {
  if (chunks.length === 1) return new BinaryReader(chunks[0]!);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return new BinaryReader(out);
}

function expectWire(wt: WireType, want: WireType, field: string): void {
  if (wt !== want) bad(`field ${field} has wire type ${wt}, expected ${want}`);
}

function decodeStringEntry(r: BinaryReader): [string, string] {
  let k = '';
  let v = '';
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1 && wt === WireType.LengthDelimited) k = r.string();
    else if (f === 2 && wt === WireType.LengthDelimited) v = r.string();
    else r.skip(wt, f);
  }
  return [k, v];
}

export function decodeTensor(r: BinaryReader): TensorProtoData {
  const t: TensorProtoData = { name: '', dims: [], dataType: 0 };
  const ext: [string, string][] = [];
  let location = 0;
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    switch (f) {
      case 1:
        readRepeated(r, wt, (x) => toNum(x.int64(), 'dims'), t.dims);
        if (t.dims.length > MAX_RANK) bad(`tensor has more than ${MAX_RANK} dims`);
        break;
      case 2: t.dataType = r.int32(); break;
      case 4: readRepeated(r, wt, (x) => x.float(), (t.floatData ??= [])); break;
      case 5: readRepeated(r, wt, (x) => x.int32(), (t.int32Data ??= [])); break;
      case 6: expectWire(wt, WireType.LengthDelimited, 'string_data'); r.bytes(); t.stringCount = (t.stringCount ?? 0) + 1; break;
      case 7: readRepeated(r, wt, (x) => toBig(x.int64()), (t.int64Data ??= [])); break;
      case 8: expectWire(wt, WireType.LengthDelimited, 'name'); t.name = r.string(); break;
      case 9: expectWire(wt, WireType.LengthDelimited, 'raw_data'); t.raw = r.bytes(); break;
      case 10: readRepeated(r, wt, (x) => x.double(), (t.doubleData ??= [])); break;
      case 11: readRepeated(r, wt, (x) => toBig(x.uint64()), (t.uint64Data ??= [])); break;
      case 13: expectWire(wt, WireType.LengthDelimited, 'external_data'); ext.push(decodeStringEntry(sub(r))); break;
      case 14: location = r.int32(); break;
      default: r.skip(wt, f);
    }
  }
  for (const d of t.dims) if (d < 0) bad(`tensor '${t.name}' has negative dim ${d}`);
  if (location === 1) {
    const m = new Map(ext);
    const loc = m.get('location');
    if (!loc) bad(`tensor '${t.name}' has external data without a location`);
    const offset = m.has('offset') ? Number(m.get('offset')) : 0;
    const length = m.has('length') ? Number(m.get('length')) : undefined;
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
      bad(`tensor '${t.name}' has an invalid external data offset/length`);
    }
    t.external = { location: loc, offset, ...(length !== undefined ? { length } : {}) };
  }
  return t;
}

function decodeShape(r: BinaryReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1 && wt === WireType.LengthDelimited) {
      const d = sub(r);
      let dim: OnnxDim = null;
      while (d.pos < d.len) {
        const [g, w2] = d.tag();
        if (g === 1 && w2 === WireType.Varint) dim = toNum(d.int64(), 'dim_value');
        else if (g === 2 && w2 === WireType.LengthDelimited) dim = d.string();
        else d.skip(w2, g);
      }
      dims.push(dim);
      if (dims.length > MAX_RANK) bad(`a shape has more than ${MAX_RANK} dims`);
    } else r.skip(wt, f);
  }
  return dims;
}

function decodeType(r: BinaryReader, depth: number): { elemType: number; shape: OnnxDim[] | null } {
  if (depth > MAX_TYPE_DEPTH) bad('type nesting too deep');
  let elemType = 0;
  const tensorTypes: Uint8Array[] = [];
  const shapes: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1 && wt === WireType.LengthDelimited) tensorTypes.push(r.bytes());
    else r.skip(wt, f, MAX_TYPE_DEPTH);
  }
  if (tensorTypes.length) {
    const t = merged(tensorTypes);
    while (t.pos < t.len) {
      const [g, w2] = t.tag();
      if (g === 1 && w2 === WireType.Varint) elemType = t.int32();
      else if (g === 2 && w2 === WireType.LengthDelimited) shapes.push(t.bytes());
      else t.skip(w2, g);
    }
  }
  return { elemType, shape: shapes.length ? decodeShape(merged(shapes)) : null };
}

function decodeValueInfo(r: BinaryReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, shape: null };
  const types: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f === 1 && wt === WireType.LengthDelimited) v.name = r.string();
    else if (f === 2 && wt === WireType.LengthDelimited) types.push(r.bytes());
    else r.skip(wt, f);
  }
  if (types.length) Object.assign(v, decodeType(merged(types), 1));
  return v;
}

function decodeAttribute(r: BinaryReader, depth: number): [string, AttrValue] {
  let name = '';
  let type = 0;
  let f32 = 0;
  let i64 = 0;
  let s: Uint8Array = new Uint8Array(0);
  const tensors: Uint8Array[] = [];
  const graphs: Uint8Array[] = [];
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const dec = new TextDecoder();
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    switch (f) {
      case 1: expectWire(wt, WireType.LengthDelimited, 'attribute.name'); name = r.string(); break;
      case 20: type = r.int32(); break;
      case 2: expectWire(wt, WireType.Bit32, 'attribute.f'); f32 = r.float(); break;
      case 3: i64 = toNum(r.int64(), 'attribute.i'); break;
      case 4: expectWire(wt, WireType.LengthDelimited, 'attribute.s'); s = r.bytes(); break;
      case 5: expectWire(wt, WireType.LengthDelimited, 'attribute.t'); tensors.push(r.bytes()); break;
      case 6: expectWire(wt, WireType.LengthDelimited, 'attribute.g'); graphs.push(r.bytes()); break;
      case 7: readRepeated(r, wt, (x) => x.float(), floats); break;
      case 8: readRepeated(r, wt, (x) => toNum(x.int64(), 'ints'), ints); break;
      case 9: expectWire(wt, WireType.LengthDelimited, 'attribute.strings'); strings.push(dec.decode(r.bytes())); break;
      case 11: expectWire(wt, WireType.LengthDelimited, 'attribute.graphs'); decodeGraph(sub(r), depth + 1); break;
      default: r.skip(wt, f);
    }
  }
  const t = tensors.length ? decodeTensor(merged(tensors)) : undefined;
  const g = graphs.length ? decodeGraph(merged(graphs), depth + 1) : undefined;
  // the type field says which value is meant (default-valued fields are absent on the wire)
  let value: AttrValue;
  switch (type) {
    case AttrType.FLOAT: value = { type: 'float', value: f32 }; break;
    case AttrType.INT: value = { type: 'int', value: i64 }; break;
    case AttrType.STRING: value = { type: 'string', value: dec.decode(s) }; break;
    case AttrType.TENSOR:
      if (!t) bad(`attribute '${name}' of type TENSOR has no tensor`);
      value = { type: 'tensor', value: t };
      break;
    case AttrType.GRAPH:
      if (!g) bad(`attribute '${name}' of type GRAPH has no graph`);
      value = { type: 'graph', value: g };
      break;
    case AttrType.FLOATS: value = { type: 'floats', value: floats }; break;
    case AttrType.INTS: value = { type: 'ints', value: ints }; break;
    case AttrType.STRINGS: value = { type: 'strings', value: strings }; break;
    default: value = { type: 'other', code: type };
  }
  return [name, value];
}

function decodeNode(r: BinaryReader, depth: number): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    switch (f) {
      case 1: expectWire(wt, WireType.LengthDelimited, 'node.input'); n.inputs.push(r.string()); break;
      case 2: expectWire(wt, WireType.LengthDelimited, 'node.output'); n.outputs.push(r.string()); break;
      case 3: expectWire(wt, WireType.LengthDelimited, 'node.name'); n.name = r.string(); break;
      case 4: expectWire(wt, WireType.LengthDelimited, 'node.op_type'); n.opType = r.string(); break;
      case 7: expectWire(wt, WireType.LengthDelimited, 'node.domain'); n.domain = r.string(); break;
      case 5: {
        expectWire(wt, WireType.LengthDelimited, 'node.attribute');
        const [k, v] = decodeAttribute(sub(r), depth);
        n.attrs.set(k, v);
        break;
      }
      default: r.skip(wt, f);
    }
  }
  return n;
}

export function decodeGraph(r: BinaryReader, depth = 0): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) bad(`subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`);
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [], sparseInitializers: 0 };
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (wt !== WireType.LengthDelimited) { r.skip(wt, f); continue; }
    switch (f) {
      case 1: g.nodes.push(decodeNode(sub(r), depth)); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(decodeTensor(sub(r))); break;
      case 11: g.inputs.push(decodeValueInfo(sub(r))); break;
      case 12: g.outputs.push(decodeValueInfo(sub(r))); break;
      case 13: g.valueInfo.push(decodeValueInfo(sub(r))); break;
      case 15: r.skip(wt, f); g.sparseInitializers++; break;
      default: r.skip(wt, f);
    }
  }
  return g;
}

/** Decodes a ModelProto; throws OnnxFormatError (or the reader's Error) on malformed bytes. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new BinaryReader(bytes);
  const m: OnnxModel = { irVersion: 0, producerName: '', producerVersion: '', opsets: new Map(), graph: undefined as unknown as OnnxGraph, functions: 0 };
  const graphs: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    switch (f) {
      case 1: expectWire(wt, WireType.Varint, 'ir_version'); m.irVersion = toNum(r.int64(), 'ir_version'); break;
      case 2: expectWire(wt, WireType.LengthDelimited, 'producer_name'); m.producerName = r.string(); break;
      case 3: expectWire(wt, WireType.LengthDelimited, 'producer_version'); m.producerVersion = r.string(); break;
      case 7: expectWire(wt, WireType.LengthDelimited, 'graph'); graphs.push(r.bytes()); break;
      case 8: {
        expectWire(wt, WireType.LengthDelimited, 'opset_import');
        const o = sub(r);
        let domain = '';
        let version = 0;
        while (o.pos < o.len) {
          const [g, w2] = o.tag();
          if (g === 1 && w2 === WireType.LengthDelimited) domain = o.string();
          else if (g === 2 && w2 === WireType.Varint) version = toNum(o.int64(), 'opset version');
          else o.skip(w2, g);
        }
        m.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
        break;
      }
      case 25: r.skip(wt, f); m.functions++; break;
      default: r.skip(wt, f);
    }
  }
  if (!graphs.length) bad('no graph in the model (not an ONNX model, or truncated)');
  m.graph = decodeGraph(merged(graphs));
  return m;
}
