/**
 * Seeded mutations of real ONNX files: byte-level damage (bit flips, truncation, spliced bytes) and
 * structure-aware damage on the wire tree (lying lengths, varint blow-ups, duplicated or dropped fields,
 * huge or negative dims, wrong data types, graph cycles, external-data paths, empty graphs, hostile
 * attributes). A mutant is a pure function of (corpus, seed, index), so any one can be replayed.
 */
import { mulberry32 } from '../../../dist/verify/prng.js';
import { WT, deepCopy, encodeMessage, messages, packVarints, parseMessage, unpackVarints } from './wire.mjs';

const HUGE = [2n ** 31n - 1n, 2n ** 31n, 2n ** 32n + 5n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n];
const NEGATIVE = [-1n, -2n, -7n, -(2n ** 31n), -(2n ** 40n), -(2n ** 63n)];
const DATA_TYPES = [0, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21, 22, 23, 40, 1000, -1];
const OPS = ['Conv', 'Gemm', 'MatMul', 'Add', 'Reshape', 'Transpose', 'Concat', 'Slice', 'Gather', 'Pad', 'Resize', 'Split',
  'Squeeze', 'Unsqueeze', 'Softmax', 'MaxPool', 'AveragePool', 'BatchNormalization', 'Flatten', 'ConstantOfShape', 'Range',
  'Where', 'Cast', 'Shape', 'Expand', 'Tile', 'NoSuchOp', ''];
const EXTERNAL_LOCATIONS = ['weights.bin', 'weights.bin', 'missing.bin', '/etc/passwd', '../outside.bin', 'sub/../../outside.bin',
  'C:\\weights.bin', '', '.', 'subdir', 'weights.bin\u0000x', './weights.bin'];
const EXTERNAL_NUMBERS = ['0', '4', '-1', '1e3', 'abc', '', '4294967296', '9007199254740993', '18446744073709551615', '99999999999'];

const enc = new TextEncoder();

function rng32(seed, index) {
  // one stream per (seed, index): mixing keeps neighbouring indices unrelated
  const next = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)], chance: (p) => next() < p };
}

const ofKind = (tree, kinds) => messages(tree).filter((m) => kinds.includes(m.kind));
const lenFields = (tree) => messages(tree).flatMap((m) => m.fields.filter((f) => f.wt === WT.LEN));
const varintFields = (tree) => messages(tree).flatMap((m) => m.fields.filter((f) => f.wt === WT.VARINT));

function setVarintValue(fl, v) {
  fl.wt = WT.VARINT;
  fl.v = BigInt.asUintN(64, v);
  delete fl.msg;
}

/** Replaces one value of a (packed or not) int64 field with `v`. */
function replaceInt(fl, r, v) {
  if (fl.wt === WT.LEN && !fl.msg) {
    const xs = unpackVarints(fl.v);
    if (xs.length === 0) xs.push(0n);
    xs[r.int(xs.length)] = v;
    fl.v = packVarints(xs);
  } else setVarintValue(fl, v);
}

function lenField(f, bytes) { return { f, wt: WT.LEN, v: bytes }; }
function entry(k, v) { return { f: 13, wt: WT.LEN, v: new Uint8Array(0), kind: 'entry', msg: [lenField(1, enc.encode(k)), lenField(2, enc.encode(v))] }; }

/** Each structural mutation edits the tree in place; returns a label, or null when it found no target. */
const STRUCTURAL = {
  lengthBlowup(tree, r) {
    const fl = r.pick(lenFields(tree));
    if (!fl) return null;
    const actual = BigInt(fl.msg ? encodeMessage(fl.msg).length : fl.v.length);
    fl.lenOverride = r.pick([...HUGE, actual + 1n, actual + 1000n, 2n ** 64n - 1n]);
    return `length of field ${fl.f} -> ${fl.lenOverride}`;
  },
  varintBlowup(tree, r) {
    const fl = r.pick(varintFields(tree));
    if (!fl) return null;
    if (r.chance(0.2)) {
      fl.rawValue = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // 11 bytes: overlong
      return `overlong varint in field ${fl.f}`;
    }
    const v = r.pick([...HUGE, ...NEGATIVE, 2n ** 64n - 1n]);
    setVarintValue(fl, v);
    return `varint field ${fl.f} -> ${v}`;
  },
  duplicateField(tree, r) {
    const m = r.pick(messages(tree).filter((x) => x.fields.length));
    if (!m) return null;
    const k = r.int(m.fields.length);
    const copy = deepCopy(m.fields[k]);
    m.fields.splice(r.chance(0.5) ? k + 1 : m.fields.length, 0, copy);
    return `duplicate ${m.kind}.${copy.f}`;
  },
  dropField(tree, r) {
    const m = r.pick(messages(tree).filter((x) => x.fields.length));
    if (!m) return null;
    const [gone] = m.fields.splice(r.int(m.fields.length), 1);
    return `drop ${m.kind}.${gone.f}`;
  },
  swapFields(tree, r) {
    const m = r.pick(messages(tree).filter((x) => x.fields.length > 1));
    if (!m) return null;
    const a = r.int(m.fields.length);
    const b = r.int(m.fields.length);
    [m.fields[a], m.fields[b]] = [m.fields[b], m.fields[a]];
    return `swap ${m.kind} fields ${a},${b}`;
  },
  hugeDim(tree, r) {
    return setDim(tree, r, r.pick(HUGE), 'huge');
  },
  negativeDim(tree, r) {
    return setDim(tree, r, r.pick(NEGATIVE), 'negative');
  },
  wrongDataType(tree, r) {
    const targets = [
      ...ofKind(tree, ['tensor']).flatMap((m) => m.fields.filter((f) => f.f === 2)),
      ...ofKind(tree, ['tensorType']).flatMap((m) => m.fields.filter((f) => f.f === 1 && f.wt === WT.VARINT)),
    ];
    const fl = r.pick(targets);
    if (!fl) return null;
    const dt = r.pick(DATA_TYPES);
    setVarintValue(fl, BigInt(dt));
    return `data_type -> ${dt}`;
  },
  cycle(tree, r) {
    const graph = r.pick(ofKind(tree, ['graph']));
    const nodes = graph?.fields.filter((f) => f.f === 1 && f.msg) ?? [];
    if (!nodes.length) return null;
    const i = r.int(nodes.length);
    const j = i + r.int(nodes.length - i); // j >= i: node i then reads what it (or a later node) makes
    const outs = nodes[j].msg.filter((f) => f.f === 2);
    const ins = nodes[i].msg.filter((f) => f.f === 1);
    if (!outs.length) return null;
    const src = r.pick(outs).v.slice();
    if (ins.length && r.chance(0.8)) r.pick(ins).v = src;
    else nodes[i].msg.unshift(lenField(1, src));
    return `cycle: node ${i} reads an output of node ${j}`;
  },
  danglingEdge(tree, r) {
    const ins = ofKind(tree, ['node']).flatMap((m) => m.fields.filter((f) => f.f === 1 || f.f === 2));
    const fl = r.pick(ins);
    if (!fl) return null;
    fl.v = enc.encode(r.pick(['', 'nowhere', 'x', 'y', '\u0000', 'a'.repeat(300)]));
    return `edge -> '${new TextDecoder().decode(fl.v).slice(0, 12)}'`;
  },
  renameOp(tree, r) {
    const fl = r.pick(ofKind(tree, ['node']).flatMap((m) => m.fields.filter((f) => f.f === 4)));
    if (!fl) return null;
    const op = r.pick(OPS);
    fl.v = enc.encode(op);
    return `op -> ${op || "''"}`;
  },
  opsetVersion(tree, r) {
    const fl = r.pick(ofKind(tree, ['opset']).flatMap((m) => m.fields.filter((f) => f.f === 2)));
    if (!fl) return null;
    const v = r.pick([0n, 1n, 6n, 7n, 11n, 25n, 1000n, -1n]);
    setVarintValue(fl, v);
    return `opset -> ${v}`;
  },
  attribute(tree, r) {
    const a = r.pick(ofKind(tree, ['attribute']));
    if (!a) return null;
    const fl = r.pick(a.fields.filter((f) => f.f === 3 || f.f === 8 || f.f === 20 || f.f === 2 || f.f === 7));
    if (!fl) return null;
    if (fl.f === 20) { const t = r.int(16); setVarintValue(fl, BigInt(t)); return `attribute type -> ${t}`; }
    if (fl.f === 2 || fl.f === 7) {
      if (fl.wt !== WT.I32 && fl.wt !== WT.LEN) return null;
      const x = r.pick([NaN, Infinity, -Infinity, 1e30, -1e30, 0]);
      const out = fl.wt === WT.LEN && fl.v.length >= 4 ? fl.v.slice() : new Uint8Array(4);
      new DataView(out.buffer).setFloat32(4 * r.int(out.length >> 2), x, true);
      fl.v = out;
      return `float attribute -> ${x}`;
    }
    const v = r.pick([...HUGE, ...NEGATIVE, 0n]);
    replaceInt(fl, r, v);
    return `int attribute -> ${v}`;
  },
  intPayload(tree, r) {
    // the numbers shape arithmetic reads (Reshape targets, Slice bounds, pads, ConstantOfShape shapes, Range limits)
    const ints = ofKind(tree, ['tensor']).filter((m) => m.fields.some((f) => f.f === 2 && f.wt === WT.VARINT && (f.v === 7n || f.v === 6n)));
    const t = r.pick(ints);
    const raw = t?.fields.find((f) => f.f === 9 && f.wt === WT.LEN);
    if (raw && raw.v.length >= 4) {
      const wide = t.fields.some((f) => f.f === 2 && f.v === 7n) ? 8 : 4;
      const out = raw.v.slice();
      const v = r.pick([...HUGE, ...NEGATIVE, 0n, 1n, 2n ** 15n, 2n ** 20n, 2n ** 24n + 1n, 65536n]);
      const at = wide * r.int(out.length / wide);
      if (wide === 8) new DataView(out.buffer).setBigInt64(at, BigInt.asIntN(64, v), true);
      else new DataView(out.buffer).setInt32(at, Number(BigInt.asIntN(32, v)), true);
      raw.v = out;
      return `int payload value -> ${v}`;
    }
    const typed = t?.fields.find((f) => f.f === 7 || f.f === 5);
    if (!typed) return null;
    const v = r.pick([...HUGE, ...NEGATIVE, 0n, 2n ** 20n]);
    replaceInt(typed, r, v);
    return `int payload value -> ${v}`;
  },
  stringAttribute(tree, r) {
    const a = r.pick(ofKind(tree, ['attribute']).filter((m) => m.fields.some((f) => f.f === 4)));
    const fl = a?.fields.find((f) => f.f === 4);
    if (!fl) return null;
    const s = r.pick(['', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET', 'reflect', 'edge', 'wrap', 'linear', 'cubic', 'nearest', '\u0000', 'x'.repeat(1000)]);
    fl.v = enc.encode(s);
    return `string attribute -> '${s.slice(0, 12)}'`;
  },
  rawResize(tree, r) {
    const fl = r.pick(ofKind(tree, ['tensor']).flatMap((m) => m.fields.filter((f) => f.f === 9 || f.f === 4 || f.f === 7 || f.f === 5)));
    if (!fl || fl.wt !== WT.LEN) return null;
    const n = fl.v.length;
    const to = r.pick([0, Math.max(0, n - 1), Math.max(0, n - 4), n + 1, n + 4, n * 2]);
    const out = new Uint8Array(to);
    out.set(fl.v.subarray(0, Math.min(n, to)));
    fl.v = out;
    return `tensor payload ${n} -> ${to} bytes`;
  },
  externalData(tree, r, files) {
    const graph = r.pick(ofKind(tree, ['graph']));
    const inits = graph?.fields.filter((f) => f.f === 5 && f.msg) ?? [];
    const attrTensors = ofKind(tree, ['tensor']);
    const t = inits.length ? r.pick(inits).msg : attrTensors.length ? r.pick(attrTensors).fields : null;
    if (!t) return null;
    const payload = t.find((f) => f.f === 9);
    for (let k = t.length - 1; k >= 0; k--) if ([4, 5, 7, 9, 10, 11, 13, 14].includes(t[k].f)) t.splice(k, 1);
    const location = r.pick(EXTERNAL_LOCATIONS);
    t.push(entry('location', location));
    const data = payload?.v ?? new Uint8Array(16);
    const offset = r.chance(0.5) ? '0' : r.pick(EXTERNAL_NUMBERS);
    if (r.chance(0.8)) t.push(entry('offset', offset));
    const length = r.chance(0.5) ? String(data.length) : r.pick(EXTERNAL_NUMBERS);
    if (r.chance(0.8)) t.push(entry('length', length));
    if (r.chance(0.9)) t.push({ f: 14, wt: WT.VARINT, v: 1n });
    // the file beside the model: the real payload at the offset, sometimes cut short
    const off = Number.isSafeInteger(Number(offset)) && Number(offset) >= 0 && Number(offset) < 4096 ? Number(offset) : 0;
    const file = new Uint8Array(off + data.length);
    file.set(data, off);
    files['weights.bin'] = r.chance(0.2) ? file.subarray(0, r.int(file.length + 1)) : file;
    files['subdir/'] = null; // a directory
    return `external data '${location}' offset ${offset} length ${length}`;
  },
  emptyGraph(tree, r) {
    const g = r.pick(ofKind(tree, ['graph']));
    if (!g) return null;
    const variant = r.pick(['nodes', 'all', 'outputs', 'inputs', 'initializers']);
    const drop = { nodes: [1], all: null, outputs: [12], inputs: [11], initializers: [5] }[variant];
    for (let k = g.fields.length - 1; k >= 0; k--) if (!drop || drop.includes(g.fields[k].f)) g.fields.splice(k, 1);
    return `empty graph (${variant})`;
  },
};

function setDim(tree, r, v, label) {
  const targets = [
    ...ofKind(tree, ['tensor']).flatMap((m) => m.fields.filter((f) => f.f === 1)),
    ...ofKind(tree, ['dim']).flatMap((m) => m.fields.filter((f) => f.f === 1)),
  ];
  const fl = r.pick(targets);
  if (!fl) return null;
  replaceInt(fl, r, v);
  return `${label} dim ${v}`;
}

/** Byte-level damage after encoding. */
const BYTES = {
  bitflip(b, r) {
    if (!b.length) return [b, null];
    const out = b.slice();
    const k = 1 + r.int(8);
    for (let i = 0; i < k; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return [out, `${k} bit flips`];
  },
  truncate(b, r) {
    const n = r.int(b.length);
    return [b.subarray(0, n), `truncated to ${n} of ${b.length} bytes`];
  },
  splice(b, r) {
    const at = r.int(b.length + 1);
    const junk = Uint8Array.from({ length: 1 + r.int(16) }, () => (r.chance(0.3) ? 0xff : r.int(256)));
    const out = new Uint8Array(b.length + junk.length);
    out.set(b.subarray(0, at));
    out.set(junk, at);
    out.set(b.subarray(at), at + junk.length);
    return [out, `${junk.length} bytes inserted at ${at}`];
  },
};

const STRUCTURAL_NAMES = Object.keys(STRUCTURAL);
const BYTE_NAMES = Object.keys(BYTES);

/**
 * The mutant of corpus entry `seedModel` for (seed, index): 1-3 structural mutations, then (one time
 * in four, or when none applied) one byte-level mutation. Returns the model bytes, the files to place
 * beside it (name -> bytes; a trailing '/' makes a directory) and what was done.
 */
export function makeMutant(corpus, seed, index) {
  const r = rng32(seed, index);
  const base = corpus[r.int(corpus.length)];
  const files = { ...(base.files ?? {}) };
  const tree = parseMessage(base.bytes, 'model');
  const did = [];
  const rounds = 1 + r.int(3);
  for (let k = 0; k < rounds; k++) {
    const name = r.pick(STRUCTURAL_NAMES);
    const what = STRUCTURAL[name](tree, r, files);
    if (what) did.push(`${name}: ${what}`);
  }
  let bytes = encodeMessage(tree);
  if (!did.length || r.chance(0.25)) {
    const name = r.pick(BYTE_NAMES);
    let what;
    [bytes, what] = BYTES[name](bytes, r);
    if (what) did.push(`${name}: ${what}`);
  }
  return { seed, index, base: base.name, bytes, files, mutations: did };
}
