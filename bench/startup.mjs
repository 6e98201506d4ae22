#!/usr/bin/env node
// Benchmark: start-up and whole-process times of the CLI as a user runs it (package.json's bin, the
// launcher bin/tfdoctor, in the environment as given), each against a peer measured in the same run.
// Every figure is process start to exit (spawnSync wall time).
//   NODE_EXTRA_CA_CERTS: Node parses it (and builds its certificate store) at every start, before any
//            JavaScript runs; Python does not. When the environment sets it, the launcher starts the
//            commands that open no TLS connection (check, convert, patch, --version, --help) without it,
//            and the bench shows its weight: `node -e 0` with and without it, and `check` through the
//            Node entry dist/tfdoctor.cjs, which keeps it.
//   version  `tfdoctor --version` (and --help) vs a bare `node -e 0`, interleaved run by run, median.
//            Target: within 30 ms, judged against the bare node started as the launcher starts it
//            (without NODE_EXTRA_CA_CERTS when it is set: the stricter floor).
//   convert  `tfdoctor convert` of FBNet-A (torch's default export) vs TensorFlow's converter call
//            (TFLiteConverter.from_keras_model(twin).convert(), scripts/models/fbnet_keras.py in the seed
//            venv, timed inside Python: TF's import and the model build are NOT counted). tfdoctor's runs
//            are split before and after TF's. Target: >= 100x.
//   check    static `tfdoctor check --python <seed> --json` vs `pip check` of a current pip on the same
//            venv: the newest pip from the index is installed into a throwaway folder put first on
//            PYTHONPATH, so the seed venv's own (old) pip is not the yardstick and the venv is unchanged.
//            tfdoctor twice: cold (its env snapshot cache emptied before each run: the first check of an
//            env, or the first after an install) and warm (the cache holds the unchanged env: no Python
//            starts). pip check has no cache; the target is judged on the warm figure, both are reported.
//            A bare `node -e 0` runs in the same rounds (the floor of any Node CLI). Interleaved, median.
//            Target: warm <= 0.25x.
// usage: npm run build && node bench/startup.mjs [--runs N] [--only version,convert,check] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('--runs', '21'));
const only = new Set(opt('--only', 'version,convert,check').split(','));
const asJson = args.includes('--json');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const bin = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.tfdoctor);
// the Node entry the launcher execs: what a `node dist/tfdoctor.cjs` start costs with the environment as given
const nodeEntry = join(root, 'dist', 'tfdoctor.cjs');
const caCerts = process.env.NODE_EXTRA_CA_CERTS !== undefined;
const UNSET_CA = { NODE_EXTRA_CA_CERTS: undefined };
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-startup-'));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
/** A peer: [command, argv, env overrides (undefined: unset), a step run before each timing (untimed)]. */
function timeOnce([cmd, argv, env, before]) {
  before?.();
  const environment = { ...process.env, ...env };
  for (const [k, v] of Object.entries(environment)) if (v === undefined) delete environment[k];
  const t = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'], env: environment });
  const ms = performance.now() - t;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** One warm-up each, then `n` rounds, the peers in turn within a round. */
function interleaved(peers, n) {
  for (const p of Object.values(peers)) timeOnce(p);
  const times = Object.fromEntries(Object.keys(peers).map((k) => [k, []]));
  const status = {};
  for (let i = 0; i < n; i++) {
    for (const [name, p] of Object.entries(peers)) {
      const r = timeOnce(p);
      times[name].push(r.ms);
      status[name] = r.status;
    }
  }
  return Object.fromEntries(Object.keys(peers).map((k) => [k, { medianMs: median(times[k]), minMs: Math.min(...times[k]), exit: status[k] }]));
}

const report = { bin: bin.slice(root.length + 1), node: process.version, loadAverage: loadavg(), runs, nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null };

if (only.has('version')) {
  log(`version: ${runs} interleaved rounds`);
  const t = interleaved({
    'node -e 0': [process.execPath, ['-e', '0']],
    ...(caCerts ? { 'node -e 0 (NODE_EXTRA_CA_CERTS unset)': [process.execPath, ['-e', '0'], UNSET_CA] } : {}),
    'tfdoctor --version': [bin, ['--version']],
    'tfdoctor --help': [bin, ['--help']],
  }, runs);
  // the floor: a bare node started as the launcher starts node for --version
  const floor = t[caCerts ? 'node -e 0 (NODE_EXTRA_CA_CERTS unset)' : 'node -e 0'].medianMs;
  report.version = {
    ...t, overheadMs: t['tfdoctor --version'].medianMs - floor, helpOverheadMs: t['tfdoctor --help'].medianMs - floor,
    overheadOverNodeAsGivenMs: t['tfdoctor --version'].medianMs - t['node -e 0'].medianMs,
  };
}

let seed;
if (only.has('convert') || only.has('check')) {
  const { ensureVenv } = await import('../scripts/venvs.mjs');
  seed = ensureVenv('seed', { log });
}

if (only.has('convert')) {
  const { ensureModels } = await import('../scripts/models.mjs');
  const models = ensureModels({ log });
  const onnx = models.models.fbnet_a.exports.dynamo;
  const out = join(work, 'fbnet_a.tflite');
  const cli = [bin, ['convert', onnx, '-o', out, '--quiet']];
  const half = Math.ceil(runs / 2);
  timeOnce(cli);
  const times = [];
  let exit;
  const go = () => { const r = timeOnce(cli); times.push(r.ms); exit = r.status; };
  for (let i = 0; i < half; i++) go();
  log('convert: TensorFlow converter on the Keras twin of FBNet-A (seed venv)...');
  const tfOut = join(work, 'tf');
  const tf = spawnSync(seed.python, [join(root, 'scripts', 'models', 'fbnet_keras.py'), '--models', models.dir, '--out', tfOut, '--only', 'fbnet_a'],
    { cwd: join(root, 'scripts', 'models'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (tf.status !== 0) throw new Error(`fbnet_keras.py failed:\n${tf.stderr.split('\n').slice(-20).join('\n')}`);
  const facts = JSON.parse(readFileSync(join(tfOut, 'facts.json'), 'utf8'));
  for (let i = 0; i < half; i++) go();
  const tfMs = facts.models.fbnet_a.convert_seconds * 1000;
  report.convert = { model: 'fbnet_a (dynamo export)', tensorflow: facts.tensorflow, tfConvertMs: tfMs, cli: { medianMs: median(times), minMs: Math.min(...times), exit, runs: times.length } };
  report.convert.speedup = tfMs / report.convert.cli.medianMs;
}

if (only.has('check')) {
  const pipDir = join(work, 'pip');
  log('check: installing the newest pip into a throwaway folder...');
  const inst = spawnSync(seed.python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-cache-dir', '--target', pipDir, '--upgrade', 'pip'], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`installing pip failed: ${inst.stderr}`);
  const pipEnv = { PYTHONPATH: pipDir };
  const pipVersion = spawnSync(seed.python, ['-m', 'pip', '--version'], { encoding: 'utf8', env: { ...process.env, ...pipEnv } }).stdout.trim();
  const seedPip = spawnSync(seed.python, ['-m', 'pip', '--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[1];
  log(`check: ${runs} interleaved rounds against ${pipVersion.split(' from ')[0]}`);
  // tfdoctor's caches (parsed matrix, env snapshots) in a folder of this run: the user's are left alone
  const cacheDir = join(work, 'cache');
  const snapshots = join(cacheDir, 'env-snapshots');
  const check = ['check', '--python', seed.python, '--json'];
  const tfEnv = { TFDOCTOR_CACHE_DIR: cacheDir };
  const peers = {
    'tfdoctor check (cold)': [bin, check, tfEnv, () => rmSync(snapshots, { recursive: true, force: true })],
    'tfdoctor check (warm)': [bin, check, tfEnv],
    'pip check': [seed.python, ['-m', 'pip', 'check'], pipEnv],
    'node -e 0': [process.execPath, ['-e', '0']],
  };
  if (caCerts) {
    peers['node -e 0 (NODE_EXTRA_CA_CERTS unset)'] = [process.execPath, ['-e', '0'], UNSET_CA];
    peers['node dist/tfdoctor.cjs check (warm, NODE_EXTRA_CA_CERTS kept)'] = [process.execPath, [nodeEntry, ...check], tfEnv];
  }
  // the warm runs must really be answered from the cache: say what the cache did on one of each
  const note = (extra) => timeOnce([bin, [...check, '--verbose'], tfEnv, extra]).stderr.split('\n').find((l) => l.includes('env snapshot cache')) ?? '(no cache note)';
  log(`check: cold run: ${note(() => rmSync(snapshots, { recursive: true, force: true }))}`);
  log(`check: warm run: ${note()}`);
  const t = interleaved(peers, runs);
  const pip = t['pip check'].medianMs;
  report.check = {
    venv: seed.dir, pip: pipVersion.split(' ')[1], seedVenvPip: seedPip, ...t,
    ratioCold: t['tfdoctor check (cold)'].medianMs / pip,
    ratio: t['tfdoctor check (warm)'].medianMs / pip,
    nodeFloorRatio: t['node -e 0'].medianMs / pip,
    ...(caCerts ? {
      nodeFloorWithoutExtraCaCertsRatio: t['node -e 0 (NODE_EXTRA_CA_CERTS unset)'].medianMs / pip,
      ratioNodeEntryWithExtraCaCerts: t['node dist/tfdoctor.cjs check (warm, NODE_EXTRA_CA_CERTS kept)'].medianMs / pip,
    } : {}),
  };
}

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 0) => x.toFixed(d);
  const ok = (b) => (b ? 'ok' : 'MISSED');
  console.log(`tfdoctor start-up (${report.bin}, node ${report.node}); load average ${report.loadAverage.map((x) => x.toFixed(1)).join(' ')}; medians of ${runs} runs`);
  console.log(report.nodeExtraCaCerts === null ? 'NODE_EXTRA_CA_CERTS is not set'
    : `NODE_EXTRA_CA_CERTS=${report.nodeExtraCaCerts}: Node reads it at every start; the launcher starts check, convert, patch, --version and --help without it`);
  if (report.version) {
    const v = report.version;
    const bare = caCerts ? `node -e 0 ${f(v['node -e 0'].medianMs)} ms (${f(v['node -e 0 (NODE_EXTRA_CA_CERTS unset)'].medianMs)} ms with NODE_EXTRA_CA_CERTS unset)` : `node -e 0 ${f(v['node -e 0'].medianMs)} ms`;
    console.log(`version: ${bare}, tfdoctor --version ${f(v['tfdoctor --version'].medianMs)} ms, --help ${f(v['tfdoctor --help'].medianMs)} ms`);
    console.log(`  --version overhead over bare node${caCerts ? ' (unset)' : ''}: ${f(v.overheadMs, 1)} ms (--help ${f(v.helpOverheadMs, 1)} ms)  [target <= 30 ms: ${ok(v.overheadMs <= 30)}]`
      + (caCerts ? `; over node -e 0 as given: ${f(v.overheadOverNodeAsGivenMs, 1)} ms` : ''));
  }
  if (report.convert) {
    const c = report.convert;
    console.log(`convert: ${c.model}: tfdoctor whole process ${f(c.cli.medianMs)} ms (min ${f(c.cli.minMs)}, exit ${c.cli.exit}) vs TensorFlow ${c.tensorflow} converter call ${f(c.tfConvertMs)} ms`);
    console.log(`  speedup ${f(c.speedup, 1)}x  [target >= 100x: ${ok(c.speedup >= 100)}]`);
  }
  if (report.check) {
    const c = report.check;
    const ms = (k) => `${f(c[k].medianMs)} ms`;
    console.log(`check: ${c.venv}: pip ${c.pip} check ${ms('pip check')} (exit ${c['pip check'].exit}; the venv's own pip is ${c.seedVenvPip}); node -e 0 ${ms('node -e 0')} (${f(c.nodeFloorRatio, 3)}x pip check)`
      + (c.nodeFloorWithoutExtraCaCertsRatio !== undefined ? `, ${ms('node -e 0 (NODE_EXTRA_CA_CERTS unset)')} with NODE_EXTRA_CA_CERTS unset (${f(c.nodeFloorWithoutExtraCaCertsRatio, 3)}x)` : ''));
    console.log(`  tfdoctor check (static, --json) cold ${ms('tfdoctor check (cold)')} (exit ${c['tfdoctor check (cold)'].exit}): ratio ${f(c.ratioCold, 3)}`);
    console.log(`  tfdoctor check (static, --json) warm ${ms('tfdoctor check (warm)')} (exit ${c['tfdoctor check (warm)'].exit}): ratio ${f(c.ratio, 3)}  [target <= 0.25 (warm): ${ok(c.ratio <= 0.25)}]`);
    if (c.ratioNodeEntryWithExtraCaCerts !== undefined) {
      console.log(`  warm through node dist/tfdoctor.cjs (NODE_EXTRA_CA_CERTS kept) ${ms('node dist/tfdoctor.cjs check (warm, NODE_EXTRA_CA_CERTS kept)')}: ratio ${f(c.ratioNodeEntryWithExtraCaCerts, 3)}`);
    }
  }
}
