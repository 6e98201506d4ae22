#!/usr/bin/env node
// Fuzzing benchmark: N seeded mutants of real ONNX files through the built converter (test/convert/fuzz/),
// each in a worker under `ulimit -v` with a time limit; prints the counts ok / refused / crash / hang / memory
// and every failure with its seed and index. Target (issue #8): 10,000 mutants, 0 crashes, 0 hangs, 0 memory.
//
// usage: npm run build && node bench/fuzz.mjs [--count 10000] [--seed 20261130] [--workers 2] [--timeout 10000]
//                                            [--cli 100] [--verify 200] [--json]
//   --cli N     also runs the real CLI process on N of the mutants (exit code, one-line message, no stack trace)
//   --verify N  runs the first N mutants that convert in onnxruntime and LiteRT (seeded inputs): verified,
//               unverifiable (onnxruntime refuses that mutant too) or wrong (a failure)
//        node bench/fuzz.mjs --seed S --replay I [--out DIR]   writes mutant I of seed S to DIR (model.onnx + files)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCorpus } from '../test/convert/fuzz/corpus.mjs';
import { makeMutant } from '../test/convert/fuzz/mutate.mjs';
import { FuzzPool, OUTCOMES, fuzz, repoRoot, runCli } from '../test/convert/fuzz/pool.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const count = Number(opt('--count', '10000'));
const seed = Number(opt('--seed', '20261130'));
const workers = Number(opt('--workers', '2'));
const timeoutMs = Number(opt('--timeout', '10000'));
const cliCount = Number(opt('--cli', '100'));
const verifyCount = Number(opt('--verify', '200'));
const asJson = args.includes('--json');
const log = (m) => process.stderr.write(`[fuzz] ${m}\n`);

const { corpus, nodeCount } = loadCorpus();
log(`corpus: ${corpus.length - nodeCount} seed models + ${nodeCount} Debian node tests`);

if (opt('--replay') !== undefined) {
  const m = makeMutant(corpus, seed, Number(opt('--replay')));
  const out = opt('--out', join(repoRoot, '.cache', `fuzz-${seed}-${m.index}`));
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of Object.entries(m.files)) {
    if (name.endsWith('/')) mkdirSync(join(out, name), { recursive: true });
    else writeFileSync(join(out, name), bytes);
  }
  writeFileSync(join(out, 'model.onnx'), m.bytes);
  process.stdout.write(`seed ${seed} index ${m.index}: ${m.base}; ${m.mutations.join('; ')}\nwrote ${join(out, 'model.onnx')}\n`);
  process.exit(0);
}

const pool = await new FuzzPool({ workers, timeoutMs }).start();
const verifyPool = verifyCount ? await new FuzzPool({ workers: 1, timeoutMs: 60_000, vmLimitKb: 0 }).start() : undefined;
const t0 = performance.now();
let done = 0;
const { tally, failures, maxRssGrowth, verified, unverifiable } = await fuzz(corpus, {
  seed, count, pool, verifyPool, verify: verifyCount,
  onResult: () => { if (++done % 1000 === 0) log(`${done} / ${count}`); },
});
const seconds = (performance.now() - t0) / 1000;
pool.close();
verifyPool?.close();

// the real CLI process on an even sample of the same mutants
const cli = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
const cliFailures = [];
const { readTflite } = await import(join(repoRoot, 'dist', 'convert', 'tflite', 'read.js'));
for (let k = 0; k < cliCount; k += workers) {
  const batch = [];
  for (let j = k; j < Math.min(k + workers, cliCount); j++) batch.push(Math.floor((j * count) / cliCount));
  await Promise.all(batch.map(async (index) => {
    const m = makeMutant(corpus, seed, index);
    const r = await runCli(m, { timeoutMs: 30_000, readTflite });
    cli[r.outcome]++;
    if (r.outcome !== 'ok' && r.outcome !== 'refused') cliFailures.push({ seed, index, base: m.base, mutations: m.mutations, ...r });
  }));
}

const result = { seed, count, seconds: Number(seconds.toFixed(1)), corpus: { seeds: corpus.length - nodeCount, nodeTests: nodeCount }, tally, maxRssGrowthMB: Number((maxRssGrowth / 2 ** 20).toFixed(1)), verified, unverifiable, cli: { count: cliCount, tally: cli }, failures, cliFailures };
if (asJson) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  const line = (t) => OUTCOMES.map((o) => `${o} ${t[o]}`).join(', ');
  process.stdout.write(`fuzz: ${count} mutants of ${corpus.length} real ONNX files, seed ${seed}, ${seconds.toFixed(1)} s (${workers} workers)\n`);
  process.stdout.write(`  in-process convertFile: ${line(tally)}; largest peak-RSS rise ${result.maxRssGrowthMB} MB\n`);
  if (verified) {
    process.stdout.write(`  numerics of the first ${verifyCount} that converted (onnxruntime vs LiteRT): ${Object.entries(verified).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    for (const [why, n] of unverifiable.slice(0, 8)) process.stdout.write(`    unverifiable x${n}: ${why}\n`);
  }
  process.stdout.write(`  CLI sample (${cliCount}): ${line(cli)}\n`);
  for (const f of [...failures, ...cliFailures]) {
    process.stdout.write(`  FAIL seed ${f.seed} index ${f.index} (${f.base}; ${f.mutations.join('; ')}): ${f.outcome}: ${f.message.split('\n').slice(0, 3).join(' | ')}\n`);
  }
}
process.exitCode = failures.length + cliFailures.length ? 1 : 0;
