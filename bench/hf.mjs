#!/usr/bin/env node
// HuggingFace transformers as users export them: runs `tfdoctor convert X.onnx -o X.tflite --verify --json`
// (the CLI, one file at a time) on every file scripts/models/export_hf.py wrote to DIR, and writes a table:
// exact (verified: max |tflite - onnxruntime| <= 1e-4 x max(1, max|ref|), LiteRT.js vs onnxruntime-node,
// seeded inputs; integer inputs get ids in [0, vocab) and 0/1 masks), wrong (verification failed),
// refused (the blockers, grouped by op and refusal code), error (the CLI failed otherwise).
//
// usage: npm run build && node bench/hf.mjs DIR [--bin PATH/bin/tfdoctor] [--no-dims] [--json OUT.json]
//                                          [--markdown FILE] [--before BEFORE.json] [--before-label TEXT]
// --before: a JSON this script wrote with another build (e.g. --bin of an older checkout), shown as a column.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dir = resolve(args[0] ?? '');
const bin = resolve(opt('--bin', join(root, 'bin', 'tfdoctor')));
const jsonOut = opt('--json', '');
const markdownFile = opt('--markdown', '');
const beforeFile = opt('--before', '');
const beforeLabel = opt('--before-label', 'before');
// for a build without --dim (main before it): dynamic exports then show what that build says of them
const noDims = args.includes('--no-dims');
const log = (m) => process.stderr.write(`[hf] ${m}\n`);

const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

/** One file through the CLI: a row of the table. */
function convertOne(m) {
  const onnx = join(dir, m.file);
  const out = onnx.replace(/\.onnx$/, '.tflite');
  const t0 = Date.now();
  // a dynamic-axes export converts at the fixed sizes the manifest names (--dim sequence=16)
  const dims = m.convert_dims && !noDims ? ['--dim', m.convert_dims] : [];
  const r = spawnSync(bin, ['convert', onnx, '-o', out, ...dims, '--verify', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const row = { id: `${m.name}.${m.exporter}`, ...(m.convert_dims ? { dims: m.convert_dims } : {}), class: m.class, exporter: m.exporter, onnxBytes: m.bytes, params: m.params, inputs: m.inputs, seconds: (Date.now() - t0) / 1000 };
  let j;
  try {
    j = JSON.parse(r.stdout);
  } catch {
    return { ...row, status: 'error', error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ').slice(0, 300) };
  }
  if (j.refused) {
    const blockers = {};
    for (const b of j.blockers) {
      const key = `${b.op}${b.version ? ` v${b.version}` : ''}`;
      // grouped by op and refusal code; the words are the CLI's (--json carries each blocker's text; a --bin
      // build from before the codes gave words only, as `reason`)
      (blockers[b.code ? `${key} ${b.code}` : key] ??= { count: 0, ...(b.code ? { code: b.code } : {}), reason: b.text ?? b.reason }).count++;
    }
    return { ...row, status: 'refused', blockers };
  }
  const v = j.verify;
  return {
    ...row, status: v?.pass ? 'exact' : 'wrong', opsIn: j.opsIn, opsOut: j.opsOut, tfliteBytes: j.bytes, opCounts: j.opCounts,
    maxAbs: v?.maxAbs, maxRef: v?.maxRef, tolerance: v?.tolerance, problems: v?.problems ?? [], runtime: v?.runtime, notes: (j.notes ?? []).map((n) => n.text ?? n.code),
  };
}

const rows = manifest.models.map((m) => {
  log(`${m.name}.${m.exporter} ...`);
  const row = convertOne(m);
  log(`  ${row.status}`);
  return row;
});
const result = { bin: bin.replace(`${root}/`, ''), versions: manifest.versions, seq: manifest.seq, exportFailures: manifest.failures, rows };
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 1) + '\n');

const before = beforeFile ? new Map(JSON.parse(readFileSync(beforeFile, 'utf8')).rows.map((r) => [r.id, r])) : undefined;
const fmt = (x) => (x === undefined ? '-' : x === 0 ? '0' : x.toExponential(1));
const blockersText = (r) => Object.entries(r.blockers).map(([k, b]) => `${k}${b.count > 1 ? ` x${b.count}` : ''}: ${b.reason.replace(/\|/g, '/')}`).join('; ');
const statusText = (r) => (r.status === 'refused' ? `refused (${Object.keys(r.blockers).join(', ')})` : r.status);
const count = (rs, s) => rs.filter((r) => r.status === s).length;

const lines = [
  '# HuggingFace transformers through `tfdoctor convert`',
  '',
  `Written by \`node bench/hf.mjs DIR --markdown ...\` from the files \`scripts/models/export_hf.py DIR\` exported: small random-weight models`,
  `built from configs (no hub downloads), seeded; batch 1, sequence ${manifest.seq} (images 3x32x32, MobileViT 3x64x64; Whisper 16 mel bins x 32`,
  'frames, Wav2Vec2 400 samples), the inputs users pass',
  '(input_ids and attention_mask as int64, pixel_values / input_features / input_values as float32); each architecture with torch\'s',
  'default exporter (`torch.onnx.export(..., dynamo=True)`) and TorchScript (`dynamo=False, opset_version=17`). NAME-dyn: the same',
  'text model exported with dynamic batch and sequence axes (dynamic_shapes / dynamic_axes), converted with `--dim sequence=N`.',
  `Versions: ${Object.entries(manifest.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; runtimes: ${rows.find((r) => r.runtime)?.runtime ?? '-'}.`,
  '',
  'Each file: `tfdoctor convert X.onnx -o X.tflite --verify --json`. exact = the .tflite (LiteRT.js, wasm) matches onnxruntime-node',
  'within 1e-4 x max(1, max|ref|) on 2 seeded input sets (integer inputs: ids uniform in [0, vocab) where the input indexes an embedding,',
  'else 0/1 masks; ids the model compares with a constant, RoBERTa\'s padding id and CLIP\'s end-of-text id, also hold it at the middle',
  'and the last quarter of each row, as a tokenizer pads); max |ref| is given because random-weight classifier logits are small (a 1e-4',
  'floor on 0.02-scale logits is loose: read max |diff| against it). int64 inputs are int32 in the .tflite; int64 arithmetic on them',
  '(RoBERTa, OPT, DeBERTa-v2 position ids and masks) is computed in int32 where interval arithmetic proves it fits, or with a note',
  'giving the input bound that keeps it exact (below).',
  '',
  `- files: ${rows.length}; exact ${count(rows, 'exact')}, wrong ${count(rows, 'wrong')}, refused ${count(rows, 'refused')}, error ${count(rows, 'error')}` +
    (manifest.failures.length ? `; export failures ${manifest.failures.length}` : ''),
  ...(before ? [`- ${beforeLabel}: exact ${count([...before.values()], 'exact')}, wrong ${count([...before.values()], 'wrong')}, refused ${count([...before.values()], 'refused')}, error ${count([...before.values()], 'error')} (of ${before.size})`] : []),
  '',
  `| file | class | status | ${before ? `${beforeLabel} | ` : ''}ONNX nodes | TFLite ops | .tflite bytes | max abs diff | max abs ref |`,
  `|---|---|---|${before ? '---|' : ''}---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.id}${r.dims ? ` (--dim ${r.dims})` : ''} | ${r.class} | ${statusText(r)} | ${before ? `${before.has(r.id) ? statusText(before.get(r.id)) : '-'} | ` : ''}${r.opsIn ?? '-'} | ${r.opsOut ?? '-'} | ${r.tfliteBytes ?? '-'} | ${fmt(r.maxAbs)} | ${r.maxRef === undefined ? '-' : r.maxRef.toPrecision(3)} |`),
  '',
];
// the notes that bound an input (int64 arithmetic computed in int32): the exactness claim depends on them
const bounded = rows.filter((r) => r.notes?.some((n) => n.startsWith('int64 arithmetic')));
if (bounded.length) lines.push('## Integer arithmetic with an input bound', '', ...bounded.map((r) => `- ${r.id}: ${r.notes.filter((n) => n.startsWith('int64 arithmetic')).join('; ')}`), '');
const refused = rows.filter((r) => r.status === 'refused');
if (refused.length) lines.push('## Blockers', '', ...refused.map((r) => `- ${r.id}: ${blockersText(r)}`), '');
if (before) {
  const was = [...before.values()].filter((r) => r.status === 'refused');
  if (was.length) lines.push(`## ${beforeLabel}: blockers`, '', ...was.map((r) => `- ${r.id}: ${blockersText(r)}`), '');
}
const bad = rows.filter((r) => r.status === 'wrong' || r.status === 'error');
if (bad.length) lines.push('## Wrong or failed', '', ...bad.map((r) => `- ${r.id}: ${r.error ?? `max |diff| ${fmt(r.maxAbs)} > ${fmt(r.tolerance)}; ${r.problems.join('; ')}`}`), '');
if (manifest.failures.length) lines.push('## Export failures', '', ...manifest.failures.map((f) => `- ${f.name}.${f.exporter}: ${f.error}`), '');
lines.push('## Reproduce', '', '```sh',
  '# a scratch venv (PyPI): python3.12 -m venv V && V/bin/pip install torch==2.13.0 transformers onnx onnxscript onnxruntime',
  'V/bin/python scripts/models/export_hf.py DIR --dynamic',
  'npm run build && node bench/hf.mjs DIR --json bench/results/hf-transformers.json --markdown bench/results/hf-transformers.md' +
    (before ? ` --before ${beforeFile.replace(`${root}/`, '')} --before-label "${beforeLabel}"` : ''),
  '```', '',
  'The blockers of a refused file are those the converter reached: it does not infer past a blocker, so a fix can reveal more.', '');
const md = lines.join('\n');
if (markdownFile) writeFileSync(markdownFile, md);
else process.stdout.write(md);
log(`${rows.length} files: exact ${count(rows, 'exact')}, wrong ${count(rows, 'wrong')}, refused ${count(rows, 'refused')}, error ${count(rows, 'error')}`);
