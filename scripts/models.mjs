#!/usr/bin/env node
// Ensures the cached FBNet-A/B exports (and their Keras twins converted by TensorFlow) exist.
// Models are made by scripts/models/export_fbnet.py in the `tools` venv (torch 2.13.0) and cached
// under <cache>/tfdoctor/models/<hash>/, the hash covering the model scripts, the structure files
// and the venv (whose hash covers its pins: torch, onnx, onnxscript). The Keras twins are made by
// scripts/models/fbnet_keras.py in the `seed` venv (tensorflow 2.20.0) into <models>/keras-<hash>/.
// The torchvision zoo (24 classification architectures, two exports each) is made by
// scripts/models/export_zoo.py in the same tools venv into <models>/zoo-<hash>/ (manifest.json).
// A build happens in a temporary folder renamed into place at the end, under a lock, so concurrent
// callers (tests, bench, other helpers) never see half a cache. Exported files are never committed.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, ensureVenv } from './venvs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modelScripts = join(here, 'models');
export const MODEL_NAMES = ['fbnet_a', 'fbnet_b'];
/** torch's default call and the legacy opset-13 call (issue #3), then two variants that keep BatchNormalization. */
export const EXPORT_VARIANTS = ['dynamo', 'legacy13', 'dynamo_noopt', 'legacy13_nofold'];

export function modelsRoot() {
  const base = process.env.TFDOCTOR_CACHE_DIR
    ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tfdoctor');
  return join(base, 'models');
}

function hashFiles(files, extra) {
  const h = createHash('sha256');
  for (const f of files) h.update(f.slice(here.length)).update('\0').update(readFileSync(f)).update('\0');
  for (const e of extra) h.update(String(e)).update('\0');
  return h.digest('hex').slice(0, 12);
}

function exportInputs() {
  return [
    join(modelScripts, 'export_fbnet.py'), join(modelScripts, 'fbnet.py'), join(modelScripts, 'fbnet_structure.py'),
    join(modelScripts, 'onnx_facts.py'),
    ...MODEL_NAMES.map((n) => join(modelScripts, 'structures', `${n}.txt`)),
  ];
}

const lock = acquireLock;

function run(python, args, what, { timeoutMs } = {}) {
  const r = spawnSync(python, args, {
    cwd: modelScripts, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20,
    ...(timeoutMs ? { timeout: timeoutMs, killSignal: 'SIGKILL' } : {}),
  });
  if (r.error) throw new Error(`${what} failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? '').split('\n').slice(-25).join('\n')}`);
  return r.stdout;
}

/**
 * Builds `dir` with `build(tmpDir)` unless it is complete; returns whether it built. With `resume`, the
 * build folder is `<dir>.partial` and survives a failed build (the builder skips what it finished).
 */
function ensureDir(dir, build, log, { resume = false } = {}) {
  if (existsSync(join(dir, '.complete'))) return false;
  mkdirSync(dirname(dir), { recursive: true });
  const release = lock(`${dir}.lock`);
  try {
    if (existsSync(join(dir, '.complete'))) return false;
    const tmp = resume ? `${dir}.partial` : `${dir}.tmp-${process.pid}`;
    if (!resume) rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const t0 = Date.now();
    build(tmp);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    const done = join(dir, '.complete');
    writeFileSync(done, new Date().toISOString());
    log(`[models] built ${dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return true;
  } finally {
    release();
  }
}

function describe(dir) {
  const facts = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8'));
  const models = {};
  for (const name of MODEL_NAMES) {
    const base = join(dir, name);
    models[name] = {
      input: `${base}.input.npy`, torchOutput: `${base}.torch.npy`, weights: `${base}.weights.npz`,
      exports: Object.fromEntries(EXPORT_VARIANTS.map((v) => [v, `${base}.${v}.onnx`])),
    };
  }
  return { dir, facts, models };
}

/**
 * Returns { dir, facts, models: { fbnet_a: { input, torchOutput, weights, exports: { dynamo, legacy13, ... } }, ... } },
 * exporting with the tools venv on first use (about a minute).
 */
export function ensureModels({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const tools = ensureVenv('tools', { log });
  const dir = join(modelsRoot(), hashFiles(exportInputs(), [tools.dir]));
  ensureDir(dir, (tmp) => {
    log(`[models] exporting FBNet-A/B with ${tools.python}`);
    run(tools.python, [join(modelScripts, 'export_fbnet.py'), '--out', tmp], 'export_fbnet.py');
  }, log);
  return describe(dir);
}

/**
 * TensorFlow's converter on the hand-built Keras twins (same weights): returns
 * { dir, facts, tflite: { fbnet_a, fbnet_b } }, facts holding op counts and conversion seconds.
 */
export function ensureKerasTwins({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const models = ensureModels({ log });
  const seed = ensureVenv('seed', { log });
  const script = join(modelScripts, 'fbnet_keras.py');
  const dir = join(models.dir, `keras-${hashFiles([script, join(modelScripts, 'fbnet_structure.py')], [seed.dir])}`);
  ensureDir(dir, (tmp) => {
    log(`[models] building Keras twins and converting with TensorFlow (${seed.python})`);
    run(seed.python, [script, '--models', models.dir, '--out', tmp], 'fbnet_keras.py');
  }, log);
  const facts = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8'));
  return { dir, facts, tflite: Object.fromEntries(MODEL_NAMES.map((n) => [n, join(dir, `${n}.tf.tflite`)])) };
}

function zooInputs() {
  return ['export_zoo.py', 'onnx_facts.py', 'torchvision_cpu.py'].map((f) => join(modelScripts, f));
}

function zooDir(toolsDir) {
  return join(modelsRoot(), `zoo-${hashFiles(zooInputs(), [toolsDir])}`);
}

/**
 * The torchvision zoo: returns { dir, manifest, models: [{ arch, inputShape, maxAbsOutput, input, torchOutput,
 * exports: { dynamo, torchscript } (absolute .onnx paths) }] }, exporting with the tools venv on first use
 * (several CPU minutes; the files take about 3 GB).
 */
export function ensureZoo({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const tools = ensureVenv('tools', { log });
  const dir = zooDir(tools.dir);
  ensureDir(dir, (tmp) => {
    log(`[models] exporting the torchvision zoo with ${tools.python}`);
    run(tools.python, [join(modelScripts, 'export_zoo.py'), '--out', tmp], 'export_zoo.py');
  }, log, { resume: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const models = manifest.models.map((m) => ({
    arch: m.arch, inputShape: m.input_shape, maxAbsOutput: m.max_abs_output,
    input: join(dir, m.input), torchOutput: join(dir, m.torch_output), torchOutputF64: join(dir, m.torch_output_f64),
    // an export torch's exporter could not write is listed with its error, not as a file
    exports: Object.fromEntries(Object.entries(m.exports).filter(([, e]) => e.file).map(([k, e]) => [k, join(dir, e.file)])),
    exportErrors: Object.fromEntries(Object.entries(m.exports).filter(([, e]) => !e.file).map(([k, e]) => [k, e.export_error])),
  }));
  return { dir, manifest, models };
}

/** scikit-learn's wheel carries the digits data (sklearn/datasets/data/digits.csv.gz); read, never installed. */
export const SKLEARN_PIN = 'scikit-learn==1.9.1';
const QUANT_MINUTES = 30;

function quantInputs() {
  return ['digits_cnn.py', 'fbnet_quant.py', 'quant_keras.py', 'tflite_eval.py', 'fbnet.py', 'fbnet_structure.py',
    'fbnet_keras.py', 'onnx_facts.py'].map((f) => join(modelScripts, f))
    .concat(MODEL_NAMES.map((n) => join(modelScripts, 'structures', `${n}.txt`)));
}

/** The yardsticks' folder; the digits-only set (TFDOCTOR_QUANT_FBNET=0 in the test suite) is its own cache entry. */
export function quantDir(toolsDir = ensureVenv('tools').dir, seedDir = ensureVenv('seed').dir, { fbnet = true } = {}) {
  return join(modelsRoot(), `quant-${fbnet ? '' : 'digits-'}${hashFiles(quantInputs(), [toolsDir, seedDir, SKLEARN_PIN])}`);
}

/** Runs `step(dir)` into `<root>/<name>` unless its `.done` marker is there (resumable builds). */
function step(root, name, body) {
  const dir = join(root, name);
  if (existsSync(join(dir, '.done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  body(dir);
  writeFileSync(join(dir, '.done'), '');
  return dir;
}

/**
 * The quantization yardsticks (issue 9): the digits CNN trained on scikit-learn's digits and FBNet-A/B as
 * classifiers of structured inputs (scripts/models/fbnet_quant.py: seeded texture prototypes mixed two at a
 * time, random backbone, fitted head), their ONNX exports, calibration and evaluation inputs, TensorFlow's
 * own float16 and int8 conversions of their Keras twins (same weights), scored with ai_edge_litert. Returns
 * { dir, facts, digits: { onnx, calib, test, labels, torchTest, tf: { float32, float16, int8 } },
 *   fbnet: { calib, eval, labels, models: { fbnet_a: { onnx, torchEval, tfInt8, tfInt8Eval }, fbnet_b } } }
 * (tfInt8Eval: TensorFlow's int8 logits on the evaluation inputs, for paired comparisons).
 * Built once into <models>/quant-<hash>/, resumable step by step.
 */
export function ensureQuantYardsticks({ log = (m) => process.stderr.write(`${m}\n`), fbnet: withFbnet = true } = {}) {
  const tools = ensureVenv('tools', { log });
  const seed = ensureVenv('seed', { log });
  const dir = quantDir(tools.dir, seed.dir, { fbnet: withFbnet });
  const timeoutMs = QUANT_MINUTES * 60_000;
  const script = (name) => join(modelScripts, name);
  ensureDir(dir, (tmp) => {
    const wheel = step(tmp, 'wheel', (d) => {
      log(`[models] pip download ${SKLEARN_PIN} (the digits data)`);
      run(tools.python, ['-m', 'pip', 'download', SKLEARN_PIN, '--no-deps', '--only-binary=:all:', '-q', '-d', d],
        'pip download scikit-learn', { timeoutMs: 600_000 });
    });
    const whl = readdirSync(wheel).find((f) => f.endsWith('.whl'));
    const digits = step(tmp, 'digits', (d) => {
      log('[models] training and exporting the digits CNN');
      run(tools.python, [script('digits_cnn.py'), '--wheel', join(wheel, whl), '--out', d], 'digits_cnn.py', { timeoutMs });
    });
    const tfDigits = step(tmp, 'tf-digits', (d) => {
      log(`[models] TensorFlow's float32/float16/int8 of the digits Keras twin (${seed.python})`);
      run(seed.python, [script('quant_keras.py'), '--digits', digits, '--out', d], 'quant_keras.py --digits', { timeoutMs });
    });
    const evaluate = (args) => JSON.parse(run(tools.python, [script('tflite_eval.py'), ...args], 'tflite_eval.py', { timeoutMs }));
    step(tmp, 'scores-digits', (d) => {
      log('[models] scoring TensorFlow\'s digits .tflite files with ai_edge_litert');
      const scores = evaluate(['--inputs', join(digits, 'digits.test.npy'), '--labels', join(digits, 'digits.test.labels.npy'),
        '--reference', join(digits, 'digits.torch.test.npy'),
        ...['float32', 'float16', 'int8'].map((m) => `${m}=${join(tfDigits, `digits.tf.${m}.tflite`)}`)]);
      writeFileSync(join(d, 'scores.json'), JSON.stringify(scores, null, 2));
    });
    // FBNet's part: 0.75 GB of inputs, two torch exports and two TensorFlow int8 conversions
    let tfFbnet = null;
    let fbnet = null;
    if (withFbnet) {
      fbnet = step(tmp, 'fbnet', (d) => {
        log('[models] FBNet-A/B classifiers of structured inputs: head fit, export, calibration and evaluation inputs');
        run(tools.python, [script('fbnet_quant.py'), '--out', d], 'fbnet_quant.py', { timeoutMs });
      });
      tfFbnet = step(tmp, 'tf-fbnet', (d) => {
        log(`[models] TensorFlow's int8 of the FBNet-A/B Keras twins (${seed.python})`);
        run(seed.python, [script('quant_keras.py'), '--fbnet', fbnet, '--out', d], 'quant_keras.py --fbnet', { timeoutMs });
      });
      step(tmp, 'scores-fbnet', (d) => {
        log('[models] scoring TensorFlow\'s FBNet int8 .tflite files with ai_edge_litert (1000 inputs each)');
        const scores = Object.fromEntries(MODEL_NAMES.map((n) => [n, evaluate(['--inputs', join(fbnet, 'fbnet.eval.npy'),
          '--labels', join(fbnet, 'fbnet.eval.labels.npy'), '--reference', join(fbnet, `${n}.torch.eval.npy`),
          '--save-dir', d, `${n}=${join(tfFbnet, `${n}.tf.int8.tflite`)}`])[n]]));
        writeFileSync(join(d, 'scores.json'), JSON.stringify(scores, null, 2));
      });
    }
    rmSync(join(wheel, whl));
    const read = (p) => JSON.parse(readFileSync(p, 'utf8'));
    const tfd = read(join(tfDigits, 'facts.json'));
    const tff = tfFbnet ? read(join(tfFbnet, 'facts.json')) : { files: {}, twin_vs_torch_max_abs: {} };
    writeFileSync(join(tmp, 'facts.json'), JSON.stringify({
      sklearn: SKLEARN_PIN, digits: read(join(digits, 'facts.json')), ...(fbnet ? { fbnet: read(join(fbnet, 'facts.json')) } : {}),
      tf: { tensorflow: tfd.tensorflow, keras: tfd.keras, files: { ...tfd.files, ...tff.files },
        twin_vs_torch_max_abs: { ...tfd.twin_vs_torch_max_abs, ...tff.twin_vs_torch_max_abs } },
      tfScores: { digits: read(join(tmp, 'scores-digits', 'scores.json')),
        ...(fbnet ? { fbnet: read(join(tmp, 'scores-fbnet', 'scores.json')) } : {}) },
    }, null, 2));
  }, log, { resume: true });
  const d = (f) => join(dir, 'digits', f);
  return {
    dir, facts: JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8')),
    digits: {
      onnx: d('digits.onnx'), calib: d('digits.calib.npy'), test: d('digits.test.npy'), labels: d('digits.test.labels.npy'),
      torchTest: d('digits.torch.test.npy'),
      tf: Object.fromEntries(['float32', 'float16', 'int8'].map((m) => [m, join(dir, 'tf-digits', `digits.tf.${m}.tflite`)])),
    },
    fbnet: {
      calib: join(dir, 'fbnet', 'fbnet.calib.npy'), eval: join(dir, 'fbnet', 'fbnet.eval.npy'),
      labels: join(dir, 'fbnet', 'fbnet.eval.labels.npy'),
      models: Object.fromEntries(MODEL_NAMES.map((n) => [n, {
        onnx: join(dir, 'fbnet', `${n}.dynamo.onnx`), torchEval: join(dir, 'fbnet', `${n}.torch.eval.npy`),
        tfInt8: join(dir, 'tf-fbnet', `${n}.tf.int8.tflite`), tfInt8Eval: join(dir, 'scores-fbnet', `${n}.logits.npy`),
      }])),
    },
    evalScript: script('tflite_eval.py'), latencyScript: join(here, '..', 'bench', 'litert_latency.py'), tools,
  };
}

function qdqInputs() {
  return [join(modelScripts, 'qdq_models.py')];
}

/** the generator's --model arguments: digits (every variant), FBNet-A (qdq_rr: see test/real-env/convert-qdq.test.ts) */
function qdqSpecs(q, fbnet) {
  const specs = [`digits=${q.digits.onnx}:${q.digits.calib}:${q.digits.test}:200:360`];
  if (fbnet) specs.push(`fbnet_a=${q.fbnet.models.fbnet_a.onnx}:${q.fbnet.calib}:${q.fbnet.eval}:32:20:qdq_rr`);
  return specs;
}

function qdqDir(toolsDir, quantFolder, specs, fbnet) {
  return join(modelsRoot(), `qdq-${fbnet ? '' : 'digits-'}${hashFiles(qdqInputs(), [toolsDir, quantFolder, ...specs])}`);
}

/**
 * QDQ models written by onnxruntime's static quantizer (scripts/models/qdq_models.py, issue 9 item 2) from
 * the digits CNN (all variants, refusal variants too; 200 calibration and 360 held-out test images) and,
 * with `fbnet`, FBNet-A of the quantization yardsticks (qdq_rr; 32 calibration and 20 held-out
 * inputs). Returns { dir, facts, models: { digits: { heldout, variants: { qdq: { onnx, ortAll, ortNone }, ... },
 * refusals: { qdq_u8w, qoperator } }, fbnet_a?: ... } }. Built into <models>/qdq-<hash>/ (about 2 CPU
 * minutes with FBNet-A, seconds without); the hash covers the script, the source models' folder and the venv.
 */
export function ensureQdqModels({ log = (m) => process.stderr.write(`${m}\n`), fbnet = true } = {}) {
  const tools = ensureVenv('tools', { log });
  const q = ensureQuantYardsticks({ log, fbnet });
  const specs = qdqSpecs(q, fbnet);
  const dir = qdqDir(tools.dir, q.dir, specs, fbnet);
  ensureDir(dir, (tmp) => {
    log(`[models] quantizing with onnxruntime.quantization.quantize_static (QDQ): ${specs.map((s) => s.split('=')[0]).join(', ')}`);
    run(tools.python, [join(modelScripts, 'qdq_models.py'), ...specs.flatMap((s) => ['--model', s]), '--refusals', 'digits', '--out', tmp],
      'qdq_models.py', { timeoutMs: QUANT_MINUTES * 60_000 });
  }, log);
  const facts = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8'));
  const models = {};
  for (const [name, m] of Object.entries(facts.models)) {
    const variants = {};
    const refusals = {};
    for (const [v, vf] of Object.entries(m.variants)) {
      const onnx = join(dir, `${name}.${v}.onnx`);
      if (vf.ort_all_max_abs === undefined) refusals[v] = onnx;
      else variants[v] = { onnx, ortAll: join(dir, `${name}.${v}.ort_all.npy`), ortNone: join(dir, `${name}.${v}.ort_none.npy`) };
    }
    models[name] = { heldout: join(dir, `${name}.heldout.npy`), variants, refusals };
  }
  return { dir, facts, models, tools };
}

/** Deletes cached model folders that are not current (FBNet, zoo and quantization yardsticks). */
export function pruneStaleModels() {
  const root = modelsRoot();
  if (!existsSync(root)) return;
  const tools = ensureVenv('tools').dir;
  const seed = ensureVenv('seed').dir;
  const keep = new Set([join(root, hashFiles(exportInputs(), [tools])), zooDir(tools), quantDir(tools, seed), quantDir(tools, seed, { fbnet: false }),
    ...[true, false].map((fbnet) => {
      const qd = quantDir(tools, seed, { fbnet });
      const paths = { digits: { onnx: join(qd, 'digits', 'digits.onnx'), calib: join(qd, 'digits', 'digits.calib.npy'), test: join(qd, 'digits', 'digits.test.npy') },
        fbnet: { calib: join(qd, 'fbnet', 'fbnet.calib.npy'), eval: join(qd, 'fbnet', 'fbnet.eval.npy'), models: { fbnet_a: { onnx: join(qd, 'fbnet', 'fbnet_a.dynamo.onnx') } } } };
      return qdqDir(tools, qd, qdqSpecs(paths, fbnet), fbnet);
    })]);
  for (const e of readdirSync(root)) {
    const p = join(root, e);
    if (!keep.has(p) && !keep.has(p.replace(/\.partial$/, '')) && !e.endsWith('.lock')) rmSync(p, { recursive: true, force: true });
  }
}

// CLI: node scripts/models.mjs [ensure|keras|path|zoo|zoo-path|quant|quant-path|qdq|prune]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'ensure';
  if (cmd === 'ensure') console.log(JSON.stringify(ensureModels().models, null, 2));
  else if (cmd === 'path') console.log(ensureModels().dir);
  else if (cmd === 'keras') console.log(JSON.stringify(ensureKerasTwins(), null, 2));
  else if (cmd === 'zoo') console.log(JSON.stringify(ensureZoo().models, null, 2));
  else if (cmd === 'zoo-path') console.log(ensureZoo().dir);
  else if (cmd === 'quant') console.log(JSON.stringify(ensureQuantYardsticks(), null, 2));
  else if (cmd === 'quant-path') console.log(ensureQuantYardsticks().dir);
  else if (cmd === 'qdq') console.log(JSON.stringify(ensureQdqModels().models, null, 2));
  else if (cmd === 'prune') pruneStaleModels();
  else { console.error('usage: node scripts/models.mjs [ensure|path|keras|zoo|zoo-path|quant|quant-path|qdq|prune]'); process.exit(2); }
}
