#!/usr/bin/env node
// ONNX backend node-test conformance of the native converter (issue #3, item 8).
// For every test in Debian's libonnx-testdata (data/node/<test>/model.onnx + test_data_set_N/*.pb)
// whose ops the converter supports (supportedOps(), by op name), convert model.onnx, run the .tflite
// with LiteRT.js on the test's inputs and compare with its expected outputs
// (|got - want| <= atol + rtol * |want|, rtol 1e-3, atol 1e-5; NaN must match NaN).
// Outcomes per test: pass, refused (ConversionRefused or another one-line UserError: its reason is
// kept), wrong (converted but LiteRT failed or gave other numbers), unrunnable (LiteRT.js cannot feed
// an input type: only float32/int32/uint8), error (an internal converter error: a bug).
// Multi-node tests (e.g. *_expanded) count only when all their ops are supported, under "(multi-node)".
// Backend tests feed weights, shapes, pads, scales... as graph inputs, which a converter for exported
// models rightly refuses ("computed at run time"). So a refused test is tried again "baked": every
// graph input but the first becomes an initializer holding the test's own value for it (the model is
// otherwise byte-for-byte the same); baked outcomes are counted separately and must not be wrong either.
// What the converter claims: float32 activations, deterministic graphs. A single-node test outside that
// (a data input or an output of another element type, a random training-mode Dropout) is listed with
// its reason under outOfScope and left out of the claimed measure, which is reported twice: over the
// ops claimed when issue #8 was filed (scripts/conformance-issue8-ops.json) and over all ops claimed now.
// Needs `npm run build` first (it imports dist/). usage: node scripts/conformance.mjs [--json] [--data DIR] [--filter RE] [--verbose]
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..', 'dist');
export const DEFAULT_DATA_DIRS = ['/usr/share/libonnx-testdata/data/node'];
export const RTOL = 1e-3;
export const ATOL = 1e-5;
/** the ops claimed when issue #8 was filed, with how that list was recovered */
export const ISSUE8_OPS = JSON.parse(readFileSync(join(here, 'conformance-issue8-ops.json'), 'utf8'));
const TYPE_NAMES = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };
const typeName = (t) => (t === 0 ? 'not a tensor (a sequence or an optional)' : TYPE_NAMES[t] ?? `type ${t}`);

async function loadProject() {
  if (!existsSync(join(dist, 'convert', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const [convert, decode, tensor, read, verify, errors, refusals, wording] = await Promise.all([
    import(join(dist, 'convert', 'index.js')), import(join(dist, 'onnx', 'decode.js')), import(join(dist, 'onnx', 'tensor.js')),
    import(join(dist, 'onnx', 'read.js')), import(join(dist, 'verify', 'index.js')), import(join(dist, 'util', 'errors.js')),
    import(join(dist, 'convert', 'refusals.js')), import(join(dist, 'report', 'refusal.js')),
  ]);
  return { ...convert, ...decode, ...tensor, ...read, ...verify, UserError: errors.UserError, REFUSAL_CODES: refusals.REFUSAL_CODES, blockerText: wording.blockerText };
}

export function findDataDir(explicit) {
  const candidates = [explicit, process.env.TFDOCTOR_ONNX_TESTDATA, ...DEFAULT_DATA_DIRS].filter(Boolean);
  return candidates.find((d) => existsSync(d));
}

function readPb(p, project) {
  const t = project.decodeTensorProto(new Uint8Array(readFileSync(p)));
  return { name: t.name, ...project.decodeTensorData(t) };
}

const ONNX_FLOAT = 1, ONNX_DOUBLE = 11, ONNX_FLOAT16 = 10;

function feedFor(tensor, dtype) {
  if (dtype === 'float32') return Float32Array.from(tensor.data);
  if (dtype === 'int32') return Int32Array.from(tensor.data);
  if (dtype === 'uint8') return Uint8Array.from(tensor.data);
  return undefined;
}

export function closeEnough(want, got) {
  if (want.length !== got.length) return { ok: false, maxAbs: Infinity, why: `got ${got.length} values, want ${want.length}` };
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    const w = Number(want[i]);
    const g = Number(got[i]);
    if (Number.isNaN(w) || Number.isNaN(g)) { if (Number.isNaN(w) !== Number.isNaN(g)) return { ok: false, maxAbs: Infinity, why: `NaN mismatch at ${i}` }; continue; }
    if (w === g) continue;
    const d = Math.abs(w - g);
    maxAbs = Math.max(maxAbs, d);
    if (!(d <= ATOL + RTOL * Math.abs(w))) return { ok: false, maxAbs, why: `value ${i}: got ${g}, want ${w}` };
  }
  return { ok: true, maxAbs };
}

/** Copies one protobuf field from `r` (its tag already read) to `w`. */
function copyField(r, w, field, wt) {
  w.tag(field, wt);
  if (wt === WireType.LengthDelimited) w.bytes(r.bytes());
  else w.raw(r.skip(wt, field));
}

function valueInfoName(bytes) {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) { const [f, wt] = r.tag(); if (f === 1 && wt === WireType.LengthDelimited) return r.string(); r.skip(wt, f); }
  return '';
}

/**
 * model.onnx with the graph inputs in `bake` (name -> TensorProto bytes from input_N.pb) turned into
 * initializers: ModelProto.graph (7) is rewritten, dropping those GraphProto.input (11) entries and
 * appending GraphProto.initializer (5) entries; TensorProto.name (8) is appended (last one wins).
 */
export function bakeInputs(modelBytes, bake) {
  const r = new BinaryReader(modelBytes);
  const w = new BinaryWriter();
  while (r.pos < r.len) {
    const [f, wt] = r.tag();
    if (f !== 7 || wt !== WireType.LengthDelimited) { copyField(r, w, f, wt); continue; }
    const gr = new BinaryReader(r.bytes());
    const gw = new BinaryWriter();
    while (gr.pos < gr.len) {
      const [gf, gwt] = gr.tag();
      if (gf === 11 && gwt === WireType.LengthDelimited) {
        const vi = gr.bytes();
        if (!bake.has(valueInfoName(vi))) gw.tag(11, WireType.LengthDelimited).bytes(vi);
        continue;
      }
      copyField(gr, gw, gf, gwt);
    }
    for (const [name, tensorBytes] of bake) {
      const named = new BinaryWriter().raw(tensorBytes).tag(8, WireType.LengthDelimited).string(name).finish();
      gw.tag(5, WireType.LengthDelimited).bytes(named);
    }
    w.tag(7, WireType.LengthDelimited).bytes(gw.finish());
  }
  return w.finish();
}

/** Writes the baked variant of a test (all graph inputs but the first made constant) to a temp folder. */
function bakedTest(dir, project) {
  const modelBytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  const loaded = project.readOnnxFile(join(dir, 'model.onnx'));
  const initNames = new Set(loaded.model.graph.initializers.map((t) => t.name));
  const inputs = loaded.model.graph.inputs.filter((i) => !initNames.has(i.name));
  if (inputs.length < 2) return undefined;
  const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  if (sets.length !== 1) return undefined; // baking pins one data set's values
  const bake = new Map();
  inputs.slice(1).forEach((inp, k) => bake.set(inp.name, new Uint8Array(readFileSync(join(dir, sets[0], `input_${k + 1}.pb`)))));
  const out = mkdtempSync(join(tmpdir(), 'tfdoctor-conformance-'));
  writeFileSync(join(out, 'model.onnx'), bakeInputs(modelBytes, bake));
  return { dir: out, dataDir: dir, keep: 1 };
}

async function runTest(dir, project, baked) {
  const modelPath = join(baked?.dir ?? dir, 'model.onnx');
  let summary, tflite;
  try {
    ({ tflite, summary } = await project.convertFile(modelPath));
  } catch (err) {
    if (err instanceof project.ConversionRefused) {
      // a reason is a catalogued refusal code (its words come from the one formatter)
      const hasReason = err.blockers.length > 0 && err.blockers.every((b) => project.REFUSAL_CODES.includes(b.code));
      return { status: 'refused', codes: err.blockers.map((b) => b.code), reasons: err.blockers.map((b) => project.blockerText(b)), hasReason };
    }
    if (err instanceof project.UserError) return { status: 'refused', reasons: [err.message], hasReason: err.message.trim().length > 0 };
    return { status: 'error', reasons: [String(err?.stack ?? err).split('\n').slice(0, 3).join(' | ')] };
  }
  const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  const loaded = project.readOnnxFile(modelPath);
  const initNames = new Set(loaded.model.graph.initializers.map((t) => t.name));
  const graphInputs = loaded.model.graph.inputs.filter((i) => !initNames.has(i.name));
  let worst = 0;
  for (const set of sets) {
    const files = readdirSync(join(dir, set));
    const inputs = files.filter((f) => /^input_\d+\.pb$/.test(f)).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)))
      .slice(0, baked ? baked.keep : undefined).map((f) => readPb(join(dir, set, f), project));
    const outputs = files.filter((f) => /^output_\d+\.pb$/.test(f)).sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7))).map((f) => readPb(join(dir, set, f), project));
    let unrunnable;
    let run;
    try {
      run = await project.runTflite(tflite, (details) => {
        // inputs are matched by name (the signature keeps ONNX names), else by position
        const byName = new Map(graphInputs.map((gi, k) => [gi.name, inputs[k]]));
        return details.map((d, k) => {
          const t = byName.get(d.name) ?? inputs[k];
          if (!t) throw new Error(`no test data for .tflite input ${d.name}`);
          const data = feedFor(t, d.dtype);
          if (!data) { unrunnable = `LiteRT.js cannot feed a ${d.dtype} input (${d.name})`; throw new Error(unrunnable); }
          return { dims: t.shape, data };
        });
      });
    } catch (err) {
      if (unrunnable) return { status: 'unrunnable', reasons: [unrunnable], opsOut: summary.opsOut };
      // LiteRT.js's signature runner takes only some element types for inputs and outputs (e.g. no BOOL)
      const io = /Element type (\w+) is not supported/.exec(err.message);
      if (io) return { status: 'unrunnable', reasons: [`LiteRT.js cannot run a model with a ${io[1]} input or output`], opsOut: summary.opsOut };
      return { status: 'wrong', reasons: [`LiteRT: ${err.message}`], opsOut: summary.opsOut };
    }
    if (run.errors.length) return { status: 'wrong', reasons: run.errors.map((e) => `LiteRT: ${e}`), opsOut: summary.opsOut };
    if (run.outputs.length !== outputs.length) return { status: 'wrong', reasons: [`${run.outputs.length} outputs, want ${outputs.length}`], opsOut: summary.opsOut };
    const outByName = new Map(run.outputs.map((o) => [o.name, o]));
    const onnxOutputs = loaded.model.graph.outputs;
    for (let k = 0; k < outputs.length; k++) {
      const want = outputs[k];
      const got = outByName.get(onnxOutputs[k]?.name) ?? run.outputs[k];
      const wantDims = want.shape.join(',');
      if (got.dims.join(',') !== wantDims && !(got.dims.length === 0 && want.shape.length === 0)) {
        return { status: 'wrong', reasons: [`output ${k}: shape [${got.dims}] want [${wantDims}]`], opsOut: summary.opsOut };
      }
      const c = closeEnough(want.data, got.data);
      if (!c.ok) return { status: 'wrong', reasons: [`output ${k}: ${c.why} (max abs ${c.maxAbs})`], opsOut: summary.opsOut };
      worst = Math.max(worst, c.maxAbs);
    }
  }
  return { status: 'pass', maxAbs: worst, opsOut: summary.opsOut };
}

/**
 * Why a single-node test lies outside what the converter claims, or undefined when it is claimed.
 * Decided from the model and the test's data alone, never from the converter's answer.
 */
export function outOfScope(dir, model, project) {
  const initNames = new Set(model.graph.initializers.map((t) => t.name));
  const inputs = model.graph.inputs.filter((i) => !initNames.has(i.name));
  const data = inputs[0];
  if (data && data.elemType !== ONNX_FLOAT) return `data input '${data.name}' is ${typeName(data.elemType)}: the converter claims float32 activations`;
  const out = model.graph.outputs.find((o) => o.elemType !== ONNX_FLOAT);
  if (out) return `output '${out.name}' is ${typeName(out.elemType)}: the converter claims float32 outputs`;
  const node = model.graph.nodes[0];
  if (node?.opType === 'Dropout' && node.inputs[2]) {
    // training_mode true with a ratio > 0 draws a random mask: no deterministic graph gives the test's numbers
    const set = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort()[0];
    const valueOf = (name, fallback) => {
      const k = inputs.findIndex((i) => i.name === name);
      if (k < 0 || !set) return fallback;
      return Number(readPb(join(dir, set, `input_${k}.pb`), project).data[0]);
    };
    const training = valueOf(node.inputs[2], 0);
    const ratio = node.inputs[1] ? valueOf(node.inputs[1], 0.5) : 0.5;
    if (training && ratio > 0) return `training-mode Dropout with ratio ${ratio} drops at random`;
  }
  return undefined;
}

/** Pass counts of single-node tests: all of them, and those the converter claims (in scope). */
function measure(tests) {
  const count = (list) => ({
    tests: list.length,
    pass: list.filter((t) => t.status === 'pass').length,
    bakedPass: list.filter((t) => t.status === 'pass' || t.baked?.status === 'pass').length,
    wrong: list.filter((t) => t.status === 'wrong' || t.baked?.status === 'wrong').length,
  });
  const claimed = tests.filter((t) => !t.outOfScope);
  return { ...count(tests), claimed: count(claimed), outOfScope: tests.length - claimed.length };
}

/** Runs the harness; returns { dataDir, supported, totals, perOp, tests }. */
export async function runConformance({ dataDir, filter, log = () => {} } = {}) {
  const project = await loadProject();
  const dir = findDataDir(dataDir);
  if (!dir) throw new project.UserError('ONNX backend test data not found', 'install it: apt-get install -y libonnx-testdata (or set TFDOCTOR_ONNX_TESTDATA)');
  const supported = project.supportedOps();
  const supportedNames = new Set(supported.map((s) => s.op));
  const perOp = {};
  const tests = [];
  const names = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'model.onnx'))).sort();
  for (const name of names) {
    if (filter && !new RegExp(filter).test(name)) continue;
    let model;
    try {
      model = project.readOnnxFile(join(dir, name, 'model.onnx')).model;
    } catch { continue; } // unreadable by the ONNX reader (e.g. string tensors): not a supported-op test
    const ops = [...new Set(model.graph.nodes.map((n) => n.opType))];
    if (ops.length === 0) continue;
    const single = model.graph.nodes.length === 1;
    if (single ? !supportedNames.has(ops[0]) : !ops.every((o) => supportedNames.has(o))) continue;
    const key = single ? ops[0] : '(multi-node)';
    const t0 = Date.now();
    const r = await runTest(join(dir, name), project);
    const entry = { name, op: key, ops, opset: model.opsets.get('') ?? model.opsets.get('ai.onnx'), ms: Date.now() - t0, ...r };
    if (single) { const why = outOfScope(join(dir, name), model, project); if (why) entry.outOfScope = why; }
    perOp[key] ??= { pass: 0, refused: 0, wrong: 0, unrunnable: 0, error: 0, baked: { pass: 0, refused: 0, wrong: 0, unrunnable: 0, error: 0 } };
    perOp[key][r.status] += 1;
    if (r.status === 'refused') {
      const b = bakedTest(join(dir, name), project);
      if (b) {
        entry.baked = { ...(await runTest(join(dir, name), project, b)), model: join(b.dir, 'model.onnx') };
        perOp[key].baked[entry.baked.status] += 1;
      }
    }
    tests.push(entry);
    log(`${r.status.padEnd(10)} ${name}${r.reasons ? `: ${r.reasons.join('; ')}` : ''}${entry.baked ? `  [baked: ${entry.baked.status}${entry.baked.reasons ? `: ${entry.baked.reasons.join('; ')}` : ''}]` : ''}`);
  }
  const totals = { tests: tests.length, pass: 0, refused: 0, wrong: 0, unrunnable: 0, error: 0 };
  const bakedTotals = { tests: 0, pass: 0, refused: 0, wrong: 0, unrunnable: 0, error: 0 };
  for (const t of tests) {
    totals[t.status] += 1;
    if (t.baked) { bakedTotals.tests += 1; bakedTotals[t.baked.status] += 1; }
  }
  // the issue's measure: single-node tests of claimed ops, passing as given, and passing as given or baked;
  // over all ops claimed now, and over the ops claimed when issue #8 was filed
  const single = tests.filter((t) => t.op !== '(multi-node)');
  const issue8 = new Set(ISSUE8_OPS.ops);
  const singleNode = measure(single);
  const issue8Ops = { commit: ISSUE8_OPS.commit, ops: ISSUE8_OPS.ops.length, ...measure(single.filter((t) => issue8.has(t.op))) };
  const outOfScopeTests = single.filter((t) => t.outOfScope).map((t) => ({ name: t.name, reason: t.outOfScope }));
  const refusedWithoutReason = tests.filter((t) => (t.status === 'refused' && !t.hasReason) || (t.baked?.status === 'refused' && !t.baked.hasReason)).map((t) => t.name);
  // what refuses the tests as given, by refusal code (each test counted once per code)
  const refusalCodes = {};
  for (const t of tests) for (const c of new Set(t.codes ?? [])) refusalCodes[c] = (refusalCodes[c] ?? 0) + 1;
  return { dataDir: dir, tolerance: { rtol: RTOL, atol: ATOL }, supported: supported.length, totals, bakedTotals, singleNode, issue8Ops, outOfScope: outOfScopeTests, refusedWithoutReason, refusalCodes, perOp, tests };
}

function printTable(result) {
  const rows = Object.entries(result.perOp).sort(([a], [b]) => a.localeCompare(b));
  const w = Math.max(12, ...rows.map(([k]) => k.length));
  console.log(`ONNX backend node tests (${result.dataDir}), rtol ${RTOL}, atol ${ATOL}`);
  console.log(`${'op'.padEnd(w)}  pass  refused  wrong  unrunnable  error  | refused tests re-run with inputs baked: pass refused wrong unrunnable error`);
  const cells = (c) => `${String(c.pass).padStart(4)}  ${String(c.refused).padStart(7)}  ${String(c.wrong).padStart(5)}  ${String(c.unrunnable).padStart(10)}  ${String(c.error).padStart(5)}`;
  const bcells = (c) => `${String(c.pass).padStart(4)} ${String(c.refused).padStart(7)} ${String(c.wrong).padStart(5)} ${String(c.unrunnable).padStart(10)} ${String(c.error).padStart(5)}`;
  for (const [op, c] of rows) console.log(`${op.padEnd(w)}  ${cells(c)}  |                                        ${bcells(c.baked)}`);
  console.log(`${'total'.padEnd(w)}  ${cells(result.totals)}  |                                        ${bcells(result.bakedTotals)}   (${result.totals.tests} tests, ${result.bakedTotals.tests} re-run baked)`);
  const line = (label, m) => {
    const pct = (k) => `${(100 * m.claimed[k] / Math.max(1, m.claimed.tests)).toFixed(1)} %`;
    console.log(`${label}: ${m.tests} single-node tests (${m.outOfScope} outside the claim); of the ${m.claimed.tests} claimed: pass as given ${m.claimed.pass} (${pct('pass')}), as given or baked ${m.claimed.bakedPass} (${pct('bakedPass')}), wrong ${m.claimed.wrong}; over all ${m.tests}: as given ${m.pass}, baked ${m.bakedPass}`);
  };
  line('ops claimed now', result.singleNode);
  line(`ops claimed when issue #8 was filed (${result.issue8Ops.ops} ops, ${result.issue8Ops.commit})`, result.issue8Ops);
  const scope = {};
  for (const t of result.outOfScope) (scope[t.reason.replace(/'[^']*'/, "'…'").replace(/ratio [\d.]+/, 'ratio r')] ??= []).push(t.name);
  console.log('\noutside the claim:');
  for (const [why, names] of Object.entries(scope).sort((a, b) => b[1].length - a[1].length)) console.log(`  ${names.length} ${why}: ${names.join(', ')}`);
  for (const s of ['wrong', 'error', 'refused', 'unrunnable']) {
    const list = result.tests.filter((x) => x.status === s || x.baked?.status === s);
    if (list.length) console.log(`\n${s}:\n${list.map((x) => `  ${x.name}: ${x.status === s ? (x.reasons ?? []).join('; ') : ''}${x.baked?.status === s ? `  [baked] ${(x.baked.reasons ?? []).join('; ')}` : ''}`).join('\n')}`);
  }
  const codes = Object.entries(result.refusalCodes).sort((a, b) => b[1] - a[1]);
  if (codes.length) console.log(`\nrefused tests by refusal code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  if (result.refusedWithoutReason.length) console.log(`\nREFUSED WITHOUT A REASON: ${result.refusedWithoutReason.join(', ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
  const json = args.includes('--json');
  const verbose = args.includes('--verbose');
  try {
    const result = await runConformance({ dataDir: opt('--data'), filter: opt('--filter'), log: verbose ? (m) => process.stderr.write(`${m}\n`) : () => {} });
    if (json) console.log(JSON.stringify(result, null, 2)); else printTable(result);
    const bad = result.totals.wrong + result.totals.error + result.bakedTotals.wrong + result.bakedTotals.error + result.refusedWithoutReason.length;
    process.exit(bad ? 1 : 0);
  } catch (err) {
    console.error(err?.hint ? `${err.message}\n  hint: ${err.hint}` : err?.message ?? String(err));
    process.exit(2);
  }
}
