/**
 * Decodes ONNX protobuf bytes with our wire reader (wire.ts) and our own knowledge of the onnx.proto
 * field numbers (format facts). Unknown fields are skipped; every read is bounds-checked by the
 * reader, and we add limits on nesting and sizes so hostile files fail fast.
 */
import { WireReader, WireType } from './wire.js';
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

const utf8 = new TextDecoder();

function bad(msg: string): never {
  throw new OnnxFormatError(msg);
}

/** Reads a repeated scalar field that may be packed (length-delimited) or not. */
function readRepeated<T>(r: WireReader, wt: number, one: (rr: WireReader) => T, out: T[]): void {
  if (wt === WireType.LengthDelimited) {
    const sub = r.message();
    while (sub.more()) out.push(one(sub));
  } else {
    out.push(one(r));
  }
}

/**
 * A singular message field may occur more than once on the wire; protobuf merges the occurrences, which
 * is the same as decoding their bytes one after another (what onnxruntime's parser does, too). The
 * occurrences come as readers over their windows: the usual single one is decoded where it lies.
 */
function merged(parts: WireReader[]): WireReader {
  if (parts.length === 1) return parts[0]!;
  const chunks = parts.map((p) => p.window());
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return WireReader.of(out);
}

function expectWire(wt: number, want: number, field: string): void {
  if (wt !== want) bad(`field ${field} has wire type ${wt}, expected ${want}`);
}

function decodeStringEntry(r: WireReader): [string, string] {
  let k = '';
  let v = '';
  while (r.more()) {
    r.next();
    if (r.field === 1 && r.wire === WireType.LengthDelimited) k = r.string();
    else if (r.field === 2 && r.wire === WireType.LengthDelimited) v = r.string();
    else r.skip();
  }
  return [k, v];
}

/** Decodes a serialized TensorProto (e.g. an ONNX test's .pb input). */
export function decodeTensorProto(bytes: Uint8Array): TensorProtoData {
  return decodeTensor(WireReader.of(bytes));
}

function decodeTensor(r: WireReader): TensorProtoData {
  const t: TensorProtoData = { name: '', dims: [], dataType: 0 };
  const ext: [string, string][] = [];
  let location = 0;
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    switch (f) {
      case 1:
        readRepeated(r, wt, (x) => x.int64(), t.dims);
        if (t.dims.length > MAX_RANK) bad(`tensor has more than ${MAX_RANK} dims`);
        break;
      case 2: t.dataType = r.int32(); break;
      case 4: readRepeated(r, wt, (x) => x.float(), (t.floatData ??= [])); break;
      case 5: readRepeated(r, wt, (x) => x.int32(), (t.int32Data ??= [])); break;
      case 6: expectWire(wt, WireType.LengthDelimited, 'string_data'); r.bytes(); t.stringCount = (t.stringCount ?? 0) + 1; break;
      case 7: readRepeated(r, wt, (x) => x.int64Big(), (t.int64Data ??= [])); break;
      case 8: expectWire(wt, WireType.LengthDelimited, 'name'); t.name = r.string(); break;
      case 9: expectWire(wt, WireType.LengthDelimited, 'raw_data'); t.raw = r.bytes(); break;
      case 10: readRepeated(r, wt, (x) => x.double(), (t.doubleData ??= [])); break;
      case 11: readRepeated(r, wt, (x) => x.uint64Big(), (t.uint64Data ??= [])); break;
      case 13: expectWire(wt, WireType.LengthDelimited, 'external_data'); ext.push(decodeStringEntry(r.message())); break;
      case 14: location = r.int32(); break;
      default: r.skip();
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

function decodeShape(r: WireReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    if (f === 1 && wt === WireType.LengthDelimited) {
      const d = r.message();
      let dim: OnnxDim = null;
      while (d.more()) {
        d.next();
        const g = d.field;
        const w2 = d.wire;
        if (g === 1 && w2 === WireType.Varint) dim = d.int64();
        else if (g === 2 && w2 === WireType.LengthDelimited) dim = d.string();
        else d.skip();
      }
      dims.push(dim);
      if (dims.length > MAX_RANK) bad(`a shape has more than ${MAX_RANK} dims`);
    } else r.skip();
  }
  return dims;
}

function decodeType(r: WireReader, depth: number): { elemType: number; shape: OnnxDim[] | null } {
  if (depth > MAX_TYPE_DEPTH) bad('type nesting too deep');
  let elemType = 0;
  const tensorTypes: WireReader[] = [];
  const shapes: WireReader[] = [];
  let t = r;
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    if (f === 1 && wt === WireType.LengthDelimited) tensorTypes.push(r.message());
    else r.skip(MAX_TYPE_DEPTH);
  }
  if (tensorTypes.length) {
    t = merged(tensorTypes);
    while (t.more()) {
      t.next();
      const g = t.field;
      const w2 = t.wire;
      if (g === 1 && w2 === WireType.Varint) elemType = t.int32();
      else if (g === 2 && w2 === WireType.LengthDelimited) shapes.push(t.message());
      else t.skip();
    }
  }
  return { elemType, shape: shapes.length ? decodeShape(merged(shapes)) : null };
}

function decodeValueInfo(r: WireReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, shape: null };
  const types: WireReader[] = [];
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    if (f === 1 && wt === WireType.LengthDelimited) v.name = r.string();
    else if (f === 2 && wt === WireType.LengthDelimited) types.push(r.message());
    else r.skip();
  }
  if (types.length) Object.assign(v, decodeType(merged(types), 1));
  return v;
}

function decodeAttribute(r: WireReader, depth: number): [string, AttrValue] {
  let name = '';
  let type = 0;
  let f32 = 0;
  let i64 = 0;
  let s: Uint8Array = new Uint8Array(0);
  const tensors: WireReader[] = [];
  const graphs: WireReader[] = [];
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    switch (f) {
      case 1: expectWire(wt, WireType.LengthDelimited, 'attribute.name'); name = r.string(); break;
      case 20: type = r.int32(); break;
      case 2: expectWire(wt, WireType.Bit32, 'attribute.f'); f32 = r.float(); break;
      case 3: i64 = r.int64(); break;
      case 4: expectWire(wt, WireType.LengthDelimited, 'attribute.s'); s = r.bytes(); break;
      case 5: expectWire(wt, WireType.LengthDelimited, 'attribute.t'); tensors.push(r.message()); break;
      case 6: expectWire(wt, WireType.LengthDelimited, 'attribute.g'); graphs.push(r.message()); break;
      case 7: readRepeated(r, wt, (x) => x.float(), floats); break;
      case 8: readRepeated(r, wt, (x) => x.int64(), ints); break;
      case 9: expectWire(wt, WireType.LengthDelimited, 'attribute.strings'); strings.push(r.string()); break;
      case 11: expectWire(wt, WireType.LengthDelimited, 'attribute.graphs'); decodeGraph(r.message(), depth + 1); break;
      default: r.skip();
    }
  }
  const t = tensors.length ? decodeTensor(merged(tensors)) : undefined;
  const g = graphs.length ? decodeGraph(merged(graphs), depth + 1) : undefined;
  // the type field says which value is meant (default-valued fields are absent on the wire)
  let value: AttrValue;
  switch (type) {
    case AttrType.FLOAT: value = { type: 'float', value: f32 }; break;
    case AttrType.INT: value = { type: 'int', value: i64 }; break;
    case AttrType.STRING: value = { type: 'string', value: utf8.decode(s) }; break;
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

function decodeNode(r: WireReader, depth: number): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    switch (f) {
      case 1: expectWire(wt, WireType.LengthDelimited, 'node.input'); n.inputs.push(r.string()); break;
      case 2: expectWire(wt, WireType.LengthDelimited, 'node.output'); n.outputs.push(r.string()); break;
      case 3: expectWire(wt, WireType.LengthDelimited, 'node.name'); n.name = r.string(); break;
      case 4: expectWire(wt, WireType.LengthDelimited, 'node.op_type'); n.opType = r.string(); break;
      case 7: expectWire(wt, WireType.LengthDelimited, 'node.domain'); n.domain = r.string(); break;
      case 5: {
        expectWire(wt, WireType.LengthDelimited, 'node.attribute');
        const [k, v] = decodeAttribute(r.message(), depth);
        n.attrs.set(k, v);
        break;
      }
      default: r.skip();
    }
  }
  return n;
}

export function decodeGraph(r: WireReader, depth = 0): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) bad(`subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`);
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], sparseInitializers: 0 };
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    if (wt !== WireType.LengthDelimited) { r.skip(); continue; }
    switch (f) {
      case 1: g.nodes.push(decodeNode(r.message(), depth)); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(decodeTensor(r.message())); break;
      case 11: g.inputs.push(decodeValueInfo(r.message())); break;
      case 12: g.outputs.push(decodeValueInfo(r.message())); break;
      case 15: r.skip(); g.sparseInitializers++; break;
      default: r.skip();
    }
  }
  return g;
}

/** Decodes a ModelProto; throws OnnxFormatError (or the reader's Error) on malformed bytes. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = WireReader.of(bytes);
  const m: OnnxModel = { irVersion: 0, producerName: '', producerVersion: '', opsets: new Map(), graph: undefined as unknown as OnnxGraph, functions: 0 };
  const graphs: WireReader[] = [];
  while (r.more()) {
    r.next();
    const f = r.field;
    const wt = r.wire;
    switch (f) {
      case 1: expectWire(wt, WireType.Varint, 'ir_version'); m.irVersion = r.int64(); break;
      case 2: expectWire(wt, WireType.LengthDelimited, 'producer_name'); m.producerName = r.string(); break;
      case 3: expectWire(wt, WireType.LengthDelimited, 'producer_version'); m.producerVersion = r.string(); break;
      case 7: expectWire(wt, WireType.LengthDelimited, 'graph'); graphs.push(r.message()); break;
      case 8: {
        expectWire(wt, WireType.LengthDelimited, 'opset_import');
        const o = r.message();
        let domain = '';
        let version = 0;
        while (o.more()) {
          o.next();
          const g = o.field;
          const w2 = o.wire;
          if (g === 1 && w2 === WireType.LengthDelimited) domain = o.string();
          else if (g === 2 && w2 === WireType.Varint) version = o.int64();
          else o.skip();
        }
        m.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
        break;
      }
      case 25: r.skip(); m.functions++; break;
      default: r.skip();
    }
  }
  if (!graphs.length) bad('no graph in the model (not an ONNX model, or truncated)');
  m.graph = decodeGraph(merged(graphs));
  return m;
}
