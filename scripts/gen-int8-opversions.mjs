#!/usr/bin/env node
// Generates src/convert/quantize/int8-op-versions.json: the operator versions TensorFlow's converter writes in
// full-int8 .tflite files, per operator signature (input/output types and the features op_version.cc reads,
// as src/convert/tflite/op-version.ts's opSignature computes them). Sources, all written by TensorFlow 2.20 (seed venv):
//   - the quantization yardsticks (scripts/models.mjs ensureQuantYardsticks): digits CNN, FBNet-A, FBNet-B int8;
//   - the int8 probes (scripts/models/tf_int8_probe.py): small graphs, one per version-raising feature.
// One operator code serves every operator of a builtin at the highest version any needs (op_version.cc
// UpdateOpVersion), so an operator code whose operators all share one signature gives that signature's
// version exactly ("exact"); one over several signatures gives only their highest ("combined").
// Nothing in the output is typed by hand; rerun after a TensorFlow bump.
//
// --mode float writes src/convert/tflite/float-op-versions.json instead, from what TensorFlow writes without
// full-int8 quantization: the digits twin's float32 and float16 files and the probes converted float32,
// float16 and dynamic-range (tf_int8_probe.py --mode).
//
//   npm run build && node scripts/gen-int8-opversions.mjs [--mode int8|float] [--out FILE]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureQuantYardsticks, MODEL_NAMES, modelsRoot } from './models.mjs';
import { ensureVenv } from './venvs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const mode = opt('--mode', 'int8');
if (!['int8', 'float'].includes(mode)) throw new Error(`--mode int8|float, not ${mode}`);
const out = resolve(opt('--out', mode === 'int8' ? join(repo, 'src', 'convert', 'quantize', 'int8-op-versions.json') : join(repo, 'src', 'convert', 'tflite', 'float-op-versions.json')));
const log = (m) => process.stderr.write(`[gen-int8-opversions] ${m}\n`);

const { readTflite } = await import(join(repo, 'dist', 'convert', 'tflite', 'read.js'));
const { opSignature, signatureKey } = await import(join(repo, 'dist', 'convert', 'tflite', 'op-version.js'));

export const OP_VERSION_SOURCE = {
  file: 'tensorflow/lite/tools/versioning/op_version.cc (GetBuiltinOperatorVersion, UpdateOpVersion) and op_signature.cc',
  repository: 'github.com/tensorflow/tensorflow',
  commit: '02087409073e69754277a2d2cf20af23a44334de',
};

/** The probes' .tflite files for one conversion mode, built once per (probe script, seed venv, mode) into the models cache. */
function ensureProbes(seed, probeMode = 'int8') {
  const script = join(here, 'models', 'tf_int8_probe.py');
  const hash = createHash('sha256').update(readFileSync(script)).update(seed.dir).digest('hex').slice(0, 12);
  // (pruneStaleModels does not know this folder: a prune only costs a rebuild of about a minute)
  const dir = join(modelsRoot(), `tf-${probeMode === 'int8' ? 'int8' : `${probeMode}`}-probe-${hash}`);
  if (existsSync(join(dir, '.done'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`TensorFlow's ${probeMode} of the probes (${seed.python}) -> ${dir}`);
  execFileSync(seed.python, [script, '--out', tmp, '--mode', probeMode], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  writeFileSync(join(tmp, '.done'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

const seed = ensureVenv('seed', { log });
const q = ensureQuantYardsticks({ log, fbnet: mode === 'int8' });
const probeModes = mode === 'int8' ? ['int8'] : ['float32', 'float16', 'dynamic'];
const files = mode === 'int8'
  ? [{ name: 'digits.tf.int8', what: 'digits CNN Keras twin (scripts/models/quant_keras.py)', path: q.digits.tf.int8 },
    ...MODEL_NAMES.map((n) => ({ name: `${n}.tf.int8`, what: `${n} Keras twin (scripts/models/quant_keras.py)`, path: q.fbnet.models[n].tfInt8 }))]
  : ['float32', 'float16'].map((m) => ({ name: `digits.tf.${m}`, what: 'digits CNN Keras twin (scripts/models/quant_keras.py)', path: q.digits.tf[m] }));
const refused = [];
let tensorflow;
for (const probeMode of probeModes) {
  const probeDir = ensureProbes(seed, probeMode);
  const probes = JSON.parse(readFileSync(join(probeDir, 'probes.json'), 'utf8'));
  tensorflow = probes.tensorflow;
  // int8 names stay as they were (probe_<name>); the other modes say theirs
  const tag = probeMode === 'int8' ? '' : `.${probeMode}`;
  const modeFlag = probeMode === 'int8' ? '' : ` --mode ${probeMode}`;
  for (const [n, v] of Object.entries(probes.probes)) {
    if (typeof v === 'string') files.push({ name: `probe_${n}${tag}`, what: `scripts/models/tf_int8_probe.py${modeFlag} '${n}'`, path: join(probeDir, v) });
    else refused.push({ probe: `${n}${tag}`, error: v.error });
  }
}

const exact = new Map();
const combined = new Map();
for (const f of files) {
  const model = readTflite(new Uint8Array(readFileSync(f.path)));
  const byCode = new Map();
  for (const op of model.operators) {
    const sig = opSignature(op, model.tensors);
    const code = `${op.op}/${op.version}`;
    if (!byCode.has(code)) byCode.set(code, { op: op.op, version: op.version, sigs: new Map() });
    byCode.get(code).sigs.set(signatureKey(sig), sig);
  }
  for (const { op, version, sigs } of byCode.values()) {
    if (sigs.size === 1) {
      const [[key, sig]] = [...sigs];
      const row = exact.get(key) ?? { signature: key, ...sig, version, seenIn: [] };
      if (row.version !== version) throw new Error(`${key}: version ${row.version} in ${row.seenIn.join(', ')} but ${version} in ${f.name}`);
      row.seenIn.push(f.name);
      exact.set(key, row);
    } else {
      const keys = [...sigs.keys()].sort();
      const id = keys.join(' | ');
      const row = combined.get(id) ?? { op, signatures: keys.map((k) => ({ signature: k, ...sigs.get(k) })), version, seenIn: [] };
      if (row.version !== version) throw new Error(`${id}: version ${row.version} in ${row.seenIn.join(', ')} but ${version} in ${f.name}`);
      row.seenIn.push(f.name);
      combined.set(id, row);
    }
  }
}

const sortBy = (k) => (a, b) => a[k].localeCompare(b[k]);
const data = {
  generated: `by scripts/gen-int8-opversions.mjs${mode === 'int8' ? '' : ' --mode float'} from TensorFlow-written ${mode === 'int8' ? 'int8' : 'float32, float16 and dynamic-range'} .tflite files; do not edit by hand`,
  tensorflow,
  rules: OP_VERSION_SOURCE,
  files: files.map(({ name, what }) => ({ name, what })),
  refusedProbes: refused,
  exact: [...exact.values()].sort(sortBy('signature')),
  combined: [...combined.values()].sort(sortBy('op')),
};
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
log(`${data.exact.length} exact and ${data.combined.length} combined signatures from ${files.length} files -> ${relative(repo, out)}`);
