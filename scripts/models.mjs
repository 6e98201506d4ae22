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

function run(python, args, what) {
  const r = spawnSync(python, args, { cwd: modelScripts, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? '').split('\n').slice(-25).join('\n')}`);
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
    input: join(dir, m.input), torchOutput: join(dir, m.torch_output),
    // an export torch's exporter could not write is listed with its error, not as a file
    exports: Object.fromEntries(Object.entries(m.exports).filter(([, e]) => e.file).map(([k, e]) => [k, join(dir, e.file)])),
    exportErrors: Object.fromEntries(Object.entries(m.exports).filter(([, e]) => !e.file).map(([k, e]) => [k, e.export_error])),
  }));
  return { dir, manifest, models };
}

/** Deletes cached model folders that are not current (FBNet and zoo). */
export function pruneStaleModels() {
  const root = modelsRoot();
  if (!existsSync(root)) return;
  const tools = ensureVenv('tools').dir;
  const keep = new Set([join(root, hashFiles(exportInputs(), [tools])), zooDir(tools)]);
  for (const e of readdirSync(root)) {
    const p = join(root, e);
    if (!keep.has(p) && !keep.has(p.replace(/\.partial$/, '')) && !e.endsWith('.lock')) rmSync(p, { recursive: true, force: true });
  }
}

// CLI: node scripts/models.mjs [ensure|keras|path|zoo|zoo-path|prune]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'ensure';
  if (cmd === 'ensure') console.log(JSON.stringify(ensureModels().models, null, 2));
  else if (cmd === 'path') console.log(ensureModels().dir);
  else if (cmd === 'keras') console.log(JSON.stringify(ensureKerasTwins(), null, 2));
  else if (cmd === 'zoo') console.log(JSON.stringify(ensureZoo().models, null, 2));
  else if (cmd === 'zoo-path') console.log(ensureZoo().dir);
  else if (cmd === 'prune') pruneStaleModels();
  else { console.error('usage: node scripts/models.mjs [ensure|path|keras|zoo|zoo-path|prune]'); process.exit(2); }
}
