/**
 * Fuzzing the converter: seeded mutants of real ONNX files (test/fixtures/onnx-fuzz and Debian's
 * libonnx-testdata node tests) through the real pipeline. Each must end as a .tflite that reads back with
 * the shapes the converter meant, or as a one-line refusal; never an exception of another kind, a hang
 * (10 s per mutant, in a worker that is killed) or memory growth (see test/convert/fuzz/pool.mjs).
 * Runs the built converter (dist/, built by `npm test`); FUZZ_SEED=n replays another seed.
 * Every failure prints its seed and index: `node bench/fuzz.mjs --seed S --replay I` shows that mutant.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { UserError } from '../../src/util/errors.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { verifyConversion } from '../../src/verify/index.js';
import { tempDir, writeModel } from './helpers/run.js';
// @ts-expect-error plain ESM modules shared with bench/fuzz.mjs
import { loadCorpus } from './fuzz/corpus.mjs';
// @ts-expect-error plain ESM modules shared with bench/fuzz.mjs
import { makeMutant } from './fuzz/mutate.mjs';
// @ts-expect-error plain ESM modules shared with bench/fuzz.mjs
import { FuzzPool, fuzz, repoRoot, runCli } from './fuzz/pool.mjs';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const COUNT = 1000;
const CLI_SAMPLE = 15;
const VERIFY = 10;
const built = existsSync(join(repoRoot, 'dist', 'convert', 'index.js'));

interface Failure { seed: number; index: number; base: string; mutations: string[]; outcome: string; message: string }
const describeFailures = (fs: Failure[]) =>
  fs.map((f) => `seed ${f.seed} index ${f.index} (${f.base}; ${f.mutations.join('; ')}): ${f.outcome}: ${f.message}`).join('\n');

/** Mutants the fuzzer once broke the converter with, kept as bytes (seed/index as found, corpus then). */
const REGRESSIONS: { dir: string; found: string; was: string; refusal: RegExp }[] = [
  { dir: 'typed-data-count', found: 'seed 1 index 232', was: 'allocated for the declared dims before counting the values (RangeError under the memory limit)', refusal: /tensor '' has unsupported data type UNDEFINED/ },
  { dir: 'reshape-of-huge-input', found: 'seed 7 index 276', was: "internal error: 'tensor of shape [1,2,2147483648,4] is too large' thrown in Reshape's inference", refusal: /dimension 2 is 2147483648, beyond TFLite's int32 dims/ },
  { dir: 'input-dim-wraps', found: 'seed 5 index 39', was: 'wrote a .tflite whose input dim 2^53-1 wrapped to int32', refusal: /dimension 1 is 9007199254740991, beyond TFLite's int32 dims/ },
  { dir: 'concat-dim-wraps', found: 'seed 5 index 483', was: 'wrote a .tflite whose dim 4294967301 wrapped to 5', refusal: /dimension 0 is 4294967301, beyond TFLite's int32 dims/ },
  { dir: 'pool-pad-overflow', found: 'seed 5 index 96', was: 'wrote a .tflite with a MaxPool pad of -2^63 wrapped to int32', refusal: /MaxPool v12: pads \[2,2,2,2\] are not smaller than the window/ },
  { dir: 'slice-missing-inputs', found: 'seed 12 index 873', was: "internal error: Cannot read properties of undefined (reading 'map')", refusal: /Slice v13: starts \(input 1\) is missing/ },
  { dir: 'fold-expands', found: 'seed 20261130 index 5825 (bench)', was: 'a 410-byte file folded ConstantOfShape [1048576, 4]: peak RSS +75 MB', refusal: /ConstantOfShape would fold to a constant of 4194304 elements, more than 1048576/ },
  { dir: 'concat-no-inputs', found: 'seed 11 index 2092', was: "internal error: Cannot read properties of undefined (reading 'length')", refusal: /Concat v13: no inputs/ },
];
const regressDir = join(repoRoot, 'test', 'fixtures', 'onnx-fuzz', 'regress');

describe.runIf(built)('fuzzing the converter', () => {
  const { corpus, nodeCount } = loadCorpus();
  let pool: InstanceType<typeof FuzzPool>;
  let verifyPool: InstanceType<typeof FuzzPool>;
  beforeAll(async () => {
    pool = await new FuzzPool({ workers: 2, timeoutMs: 10_000 }).start();
    verifyPool = await new FuzzPool({ workers: 1, timeoutMs: 60_000, vmLimitKb: 0 }).start();
  });
  afterAll(() => { pool?.close(); verifyPool?.close(); });

  it('the corpus is the seed models plus the Debian node tests that are installed, and every seed model converts unmutated', async () => {
    expect(corpus.length).toBe(6 + nodeCount);
    for (const c of corpus.filter((x: { name: string }) => !x.name.startsWith('node/'))) {
      const r = await pool.run({ bytes: c.bytes, files: c.files });
      expect(r.outcome, `${c.name}: ${r.message}`).toBe('ok');
    }
  });

  it(`${COUNT} mutants (seed ${SEED}): each converts to a .tflite that reads back (${VERIFY} checked numerically) or is refused in one line; no crash, hang or memory growth`, async () => {
    const { tally, failures, verified } = await fuzz(corpus, { seed: SEED, count: COUNT, pool, verifyPool, verify: VERIFY });
    expect(describeFailures(failures)).toBe('');
    // the first mutants that convert also run in onnxruntime and LiteRT: none may give other numbers
    expect(verified.wrong).toBe(0);
    expect(verified.verified).toBeGreaterThan(0);
    expect(tally.ok + tally.refused).toBe(COUNT);
    // the mutants reach both ends of the pipeline, not just the decoder's refusals
    expect(tally.ok).toBeGreaterThan(COUNT / 20);
    expect(tally.refused).toBeGreaterThan(COUNT / 2);
  }, 120_000);

  it(`the real CLI on ${CLI_SAMPLE} of those mutants: exit 0 with a .tflite, or exit 1/2 with a one-line message and no stack trace`, async () => {
    const indices = Array.from({ length: CLI_SAMPLE }, (_, k) => Math.floor((k * COUNT) / CLI_SAMPLE));
    const results: { index: number; m: ReturnType<typeof makeMutant>; r: { outcome: string; message: string } }[] = [];
    // three processes at a time: start-up dominates each run
    for (let k = 0; k < indices.length; k += 3) {
      results.push(...(await Promise.all(indices.slice(k, k + 3).map(async (index) => {
        const m = makeMutant(corpus, SEED, index);
        return { index, m, r: await runCli(m, { timeoutMs: 30_000, readTflite }) };
      }))));
    }
    const failures: Failure[] = results.filter((x) => x.r.outcome !== 'ok' && x.r.outcome !== 'refused')
      .map((x) => ({ seed: SEED, index: x.index, base: x.m.base, mutations: x.m.mutations, ...x.r }));
    expect(describeFailures(failures)).toBe('');
    expect(results.some((x) => x.r.outcome === 'refused')).toBe(true);
  }, 120_000);

  it('the harness tells a hang from a refusal: a worker that overruns its time limit is killed and reported', async () => {
    const slow = await new FuzzPool({ workers: 1, timeoutMs: 1 }).start();
    try {
      const big = corpus.find((c: { name: string }) => c.name === 'cnn.onnx');
      const r = await slow.run({ bytes: big.bytes, files: big.files });
      expect(r.outcome).toBe('hang');
      // the killed worker is replaced, not handed out again: with time enough, the next job converts
      slow.timeoutMs = 30_000;
      const again = await slow.run({ bytes: big.bytes, files: big.files });
      expect(again.outcome, again.message).toBe('ok');
    } finally {
      slow.close();
    }
  });

  /** Mutants that once converted to a wrong .tflite: now they convert, and LiteRT matches onnxruntime. */
  const WRONG_BEFORE: { dir: string; found: string; was: string; input: number[] }[] = [
    { dir: 'merged-type-fields', found: 'seed 20261130 index 790 (bench)', was: 'a duplicated TypeProto.tensor_type read as the last one, [2,3,4], where protobuf and onnxruntime merge them into [2,3,4,2,3,4]', input: [2, 3, 4, 2, 3, 4] },
    { dir: 'pool-stride-wraps', found: 'seed 77 index 518 (bench)', was: 'an AveragePool stride of 2^63-1 written as int32 -1: LiteRT failed to prepare the .tflite', input: [1, 3, 32, 32] },
    { dir: 'pool-stride-int32-max', found: 'seed 4242 index 2743 (bench)', was: 'an AveragePool stride of 2^31-1 overflowed TFLite\'s int32 size arithmetic: max abs error 0.48', input: [1, 3, 32, 32] },
  ];
  for (const reg of WRONG_BEFORE) {
    it(`regression ${reg.dir} (${reg.found}; was: ${reg.was}): converts, and LiteRT matches onnxruntime`, async () => {
      const model = join(regressDir, reg.dir, 'model.onnx');
      const { tflite, summary } = await convertFile(model);
      expect(summary.inputs.map((i) => i.shape)).toEqual([reg.input]);
      const out = join(tempDir(), 'regression.tflite');
      writeFileSync(out, tflite);
      const v = await verifyConversion(model, out, { seed: 7, runs: 1 });
      expect(v.problems).toEqual([]);
      expect(v.pass).toBe(true);
    });
  }

  it('a graph that declares no outputs is refused (bench mutants that emptied the outputs converted to a .tflite computing nothing; onnxruntime refuses them)', async () => {
    const model = writeModel({ opset: 13, inputs: [{ name: 'x', shape: [1, 4] }], outputs: [], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    await expect(convertFile(model)).rejects.toThrow(/the graph declares no outputs/);
  });

  for (const reg of REGRESSIONS) {
    it(`regression ${reg.dir} (${reg.found}; was: ${reg.was}) is refused in one line`, async () => {
      const model = join(regressDir, reg.dir, 'model.onnx');
      const err = await convertFile(model).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(reg.refusal);
      // and under the worker's memory limit, in the built converter
      const r = await pool.run({ bytes: new Uint8Array(readFileSync(model)), files: {} });
      expect(r.outcome, r.message).toBe('refused');
    });
  }
});

it.skipIf(built)('fuzzing needs the built converter: run `npm run build` (npm test does)', () => {
  expect.fail('dist/convert/index.js is missing');
});
