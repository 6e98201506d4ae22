#!/usr/bin/env node
// Benchmark: the work LiteRT does per invoke of tfdoctor's FBNet-A/B .tflite against TensorFlow's converter
// output of the same network, counted in machine instructions by valgrind's callgrind.
//
// Why instructions: wall-clock latency needs a quiet machine. On a VM whose neighbours and memory monitor
// (kdamond) move an A/A control (TensorFlow's file against itself) by up to 30 %, a 1 % difference between
// two files cannot be read from timings (bench/convert.mjs prints that control). Instructions executed
// inside tflite::Subgraph::Invoke() do not depend on the load: the same file counts the same every run (the
// A/A line below shows it), so "ours <= TF's" becomes a yes or no. What it does not see: cache misses and
// memory stalls (add --cache-sim for callgrind's simulated L1/LL misses and its cycle estimate), and the CPU
// features valgrind reports (AVX2 here: XNNPACK picks its kernels by them, so the kernels differ from a run
// on a CPU with AVX-512; both files are measured under the same ones).
//
// What is counted: callgrind --toggle-collect='tflite::Subgraph::Invoke()' over bench/litert_invoke.py with
// K = 1 and K = 1 + N invokes (1 thread, the default resolver: builtin kernels + XNNPACK, as an app gets);
// (count(1 + N) - count(1)) / N = one warm invoke. TensorFlow's files: TF 2.20's TFLiteConverter on the
// Keras twins of FBNet-A/B with the same weights (scripts/models.mjs ensureKerasTwins, seed venv).
//
// usage: npm run build && node bench/instructions.mjs [--invokes 2] [--cache-sim] [--only fbnet_a] [--json]
//        [--markdown bench/results/fbnet-instructions.md]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKerasTwins, ensureModels, MODEL_NAMES } from '../scripts/models.mjs';
import { ensureVenv } from '../scripts/venvs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const invokes = Number(opt('--invokes', '2'));
if (!Number.isInteger(invokes) || invokes < 1) { console.error('--invokes takes a whole number >= 1'); process.exit(2); }
const cacheSim = args.includes('--cache-sim');
const only = opt('--only', '').split(',').filter(Boolean);
const unknown = only.filter((m) => !MODEL_NAMES.includes(m));
if (unknown.length) { console.error(`--only takes ${MODEL_NAMES.join(', ')}; not ${unknown.join(', ')}`); process.exit(2); }
const asJson = args.includes('--json');
const markdownFile = opt('--markdown', undefined);
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
// one callgrind run of FBNet: ~20 s per invoke plus ~20 s of start-up on this 2-core machine
const RUN_TIMEOUT_MS = 15 * 60 * 1000;
const INVOKE_FN = 'tflite::Subgraph::Invoke()';

const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
if (valgrind.status !== 0) { console.error('bench/instructions.mjs needs valgrind on PATH (Debian: apt-get install valgrind)'); process.exit(2); }

const { convertFile } = await import(join(root, 'dist', 'convert', 'index.js'));
const models = ensureModels({ log });
const twins = ensureKerasTwins({ log });
const tools = ensureVenv('tools', { log });
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-bench-instr-'));

/** Event totals of one callgrind run of `file` with `k` invokes. */
function count(file, k) {
  const out = join(work, `callgrind.${Date.now()}.${k}.out`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, `--toggle-collect=${INVOKE_FN}`,
    ...(cacheSim ? ['--cache-sim=yes'] : []), tools.python, join(root, 'bench', 'litert_invoke.py'), file, String(k)],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`valgrind on ${file}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`valgrind on ${file} exited ${r.status}:\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  const text = readFileSync(out, 'utf8');
  rmSync(out);
  const events = text.match(/^events: (.+)$/m)[1].trim().split(/\s+/);
  const totals = text.match(/^summary: (.+)$/m)[1].trim().split(/\s+/).map(Number);
  const byEvent = Object.fromEntries(events.map((e, i) => [e, totals[i] ?? 0]));
  if (!byEvent.Ir) throw new Error(`callgrind counted nothing inside ${INVOKE_FN}: this ai_edge_litert build may not name it (${file})`);
  return byEvent;
}

/** Per warm invoke: instructions, and with --cache-sim the simulated misses and callgrind's cycle estimate. */
function perInvoke(file) {
  const first = count(file, 1);
  const more = count(file, 1 + invokes);
  const per = Object.fromEntries(Object.keys(more).map((e) => [e, (more[e] - first[e]) / invokes]));
  // callgrind's own estimate (its documentation): Ir + 10 x L1 misses + 100 x last-level misses
  if (cacheSim) per.cyclesEstimate = per.Ir + 10 * ((per.I1mr ?? 0) + (per.D1mr ?? 0) + (per.D1mw ?? 0)) + 100 * ((per.ILmr ?? 0) + (per.DLmr ?? 0) + (per.DLmw ?? 0));
  return per;
}

const report = { invokes, cacheSim, function: INVOKE_FN, valgrind: valgrind.stdout.trim(), tensorflow: twins.facts.tensorflow, models: [] };
for (const name of only.length ? only : MODEL_NAMES) {
  const onnx = models.models[name].exports.dynamo;
  const files = { tf: twins.tflite[name] };
  for (const layout of ['nhwc', 'nchw']) {
    const { tflite } = await convertFile(onnx, { nhwc: layout === 'nhwc' });
    files[layout] = join(work, `${name}.${layout}.tflite`);
    writeFileSync(files[layout], tflite);
  }
  // A/A: TensorFlow's file again, a copy in its own process: the count's run-to-run spread
  files.tfAgain = join(work, `${name}.tf-again.tflite`);
  copyFileSync(files.tf, files.tfAgain);
  const counted = {};
  for (const [which, file] of Object.entries(files)) {
    log(`${name} ${which}: callgrind, 1 and ${1 + invokes} invokes...`);
    counted[which] = perInvoke(file);
  }
  const ratio = (which, e = 'Ir') => counted[which][e] / counted.tf[e];
  report.models.push({
    model: name,
    perInvoke: counted,
    ratios: {
      nhwc: ratio('nhwc'), nchw: ratio('nchw'), tfAgain: ratio('tfAgain'),
      ...(cacheSim ? { nhwcCycles: ratio('nhwc', 'cyclesEstimate'), nchwCycles: ratio('nchw', 'cyclesEstimate'), tfAgainCycles: ratio('tfAgain', 'cyclesEstimate') } : {}),
    },
  });
}
rmSync(work, { recursive: true, force: true });

const n = (x) => Math.round(x).toLocaleString('en-US');
const LABELS = [['tf', 'TensorFlow'], ['tfAgain', 'TensorFlow again (A/A)'], ['nhwc', 'tfdoctor --nhwc'], ['nchw', 'tfdoctor (NCHW I/O)']];
const verdictOf = (m) => (m.ratios.nhwc <= 1 ? 'ok: no more work than TensorFlow\'s file' : 'MISSED: more work than TensorFlow\'s file');
const cyclesOf = (m, which) => (cacheSim ? `${n(m.perInvoke[which].cyclesEstimate)}${which === 'tf' ? '' : ` (${m.ratios[`${which}Cycles`].toFixed(4)})`}` : '');

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`LiteRT work per warm invoke, counted by callgrind inside ${INVOKE_FN} (${report.valgrind}), 1 thread, XNNPACK`);
  console.log(`(count of ${1 + invokes} invokes - count of 1) / ${invokes}; TensorFlow ${report.tensorflow}'s converter output of the Keras twins\n`);
  for (const m of report.models) {
    console.log(m.model);
    for (const [which, label] of LABELS) {
      const r = which === 'tf' ? '' : `  ratio ${m.ratios[which].toFixed(6)}`;
      const cyc = cacheSim ? `  cycles est. ${cyclesOf(m, which)}` : '';
      console.log(`  ${label.padEnd(24)} ${n(m.perInvoke[which].Ir).padStart(14)} instructions${r}${cyc}`);
    }
    console.log(`  target tfdoctor --nhwc / TF <= 1.0: ${m.ratios.nhwc.toFixed(6)}  [${verdictOf(m)}]\n`);
  }
}

if (markdownFile) {
  const rows = report.models.flatMap((m) => LABELS.map(([which, label]) =>
    `| ${m.model} | ${label} | ${n(m.perInvoke[which].Ir)} | ${which === 'tf' ? '' : m.ratios[which].toFixed(6)} |${cacheSim ? ` ${cyclesOf(m, which)} |` : ''}`));
  const md = [
    '# FBNet-A/B: LiteRT work per invoke, tfdoctor against TensorFlow\'s converter',
    '',
    `Written by \`node bench/instructions.mjs${args.length ? ` ${args.join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 10)} (${report.valgrind}, ai_edge_litert, 1 thread,`,
    `XNNPACK). Instructions executed inside \`${INVOKE_FN}\` per warm invoke: (count of ${1 + invokes} invokes - count of 1) / ${invokes}.`,
    `TensorFlow ${report.tensorflow}: TFLiteConverter on the Keras twins (same weights). tfdoctor: \`convert\` of torch 2.13's default export.`,
    'The A/A row is TensorFlow\'s file counted again in a second process: the count does not move with the machine\'s load,',
    'which is why this measure stands in where wall-clock latency cannot be read (bench/convert.mjs prints its own A/A control).',
    'It does not see memory stalls' + (cacheSim ? ' except as callgrind\'s simulated cache misses (cycles est. = Ir + 10 x L1 misses + 100 x LL misses).' : ' (`--cache-sim` adds callgrind\'s simulated cache misses).'),
    '',
    `| model | file | instructions / invoke | ratio to TF |${cacheSim ? ' cycles est. (ratio) |' : ''}`,
    `|---|---|---:|---:|${cacheSim ? '---:|' : ''}`,
    ...rows,
    '',
    ...report.models.map((m) => `- ${m.model}: tfdoctor --nhwc / TF = ${m.ratios.nhwc.toFixed(6)} (${verdictOf(m)})`),
    '',
  ].join('\n');
  writeFileSync(markdownFile, md);
}
