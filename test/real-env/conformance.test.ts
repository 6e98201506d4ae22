/**
 * ONNX backend node tests (Debian libonnx-testdata, installed by .ci/run) through the native
 * converter and LiteRT.js: no test may come out wrong, no converter may crash, every refusal must say why.
 * Refused tests are re-run with their parameter inputs baked into initializers; those must not be
 * wrong either, and the baking itself is checked: onnxruntime on a baked model reproduces the test's outputs.
 * Needs `npm run build` (the harness imports dist/), which `npm test` does first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { closeEnough, findDataDir, runConformance } from '../../scripts/conformance.mjs';
import { runOnnx } from '../../src/verify/index.js';
import { decodeTensorProto } from '../../src/onnx/decode.js';
import { decodeTensorData } from '../../src/onnx/tensor.js';

type Entry = { name: string; status: string; reasons?: string[]; baked?: { status: string; reasons?: string[]; model: string } };

describe('ONNX backend node-test conformance', () => {
  it('has the test data (apt-get install -y libonnx-testdata)', () => {
    expect(findDataDir(), 'libonnx-testdata is not installed').toBeTruthy();
  });

  it('compares with rtol 1e-3 / atol 1e-5 and catches a wrong value or a NaN', () => {
    expect(closeEnough(Float32Array.of(1, 100), Float32Array.of(1.0009, 100.09)).ok).toBe(true);
    expect(closeEnough(Float32Array.of(1, 100), Float32Array.of(1.002, 100)).ok).toBe(false);
    expect(closeEnough(Float32Array.of(0), Float32Array.of(2e-5)).ok).toBe(false);
    expect(closeEnough(Float32Array.of(NaN), Float32Array.of(0)).ok).toBe(false);
    expect(closeEnough(Float32Array.of(1, 2), Float32Array.of(1)).ok).toBe(false);
  });

  it('gives 0 wrong, 0 crashes, and a reason for every refusal (also with inputs baked)', async () => {
    const r = await runConformance();
    const table = Object.entries(r.perOp as Record<string, Record<string, number> & { baked: Record<string, number> }>)
      .map(([op, c]) => `${op}: pass ${c.pass} refused ${c.refused} wrong ${c.wrong} unrunnable ${c.unrunnable} error ${c.error}`
        + ` | baked: pass ${c.baked.pass} refused ${c.baked.refused} wrong ${c.baked.wrong}`).join('\n');
    console.log(`${table}\ntotal: ${JSON.stringify(r.totals)}\nbaked: ${JSON.stringify(r.bakedTotals)}`);
    const tests = r.tests as Entry[];
    const bad = tests.flatMap((t) => [
      ...(t.status === 'wrong' || t.status === 'error' ? [`${t.name} (${t.status}): ${t.reasons?.join('; ')}`] : []),
      ...(t.baked && (t.baked.status === 'wrong' || t.baked.status === 'error') ? [`${t.name} [baked] (${t.baked.status}): ${t.baked.reasons?.join('; ')}`] : []),
    ]);
    expect(r.totals.tests).toBeGreaterThan(100); // the data and the supported-op list are really there
    // committed floors (issue #8): single-node tests of claimed ops in Debian's libonnx-testdata 1.12,
    // passing as given and passing as given or with their parameter inputs baked; none may come out wrong.
    // "claimed": float32 data and outputs, deterministic (each test outside that is listed with its reason).
    // Measured over all ops claimed now and over the 53 ops claimed when the issue was filed.
    console.log(`single-node (ops claimed now): ${JSON.stringify(r.singleNode)}\nsingle-node (issue #8's ops): ${JSON.stringify(r.issue8Ops)}`);
    expect(r.singleNode.wrong).toBe(0);
    expect(r.singleNode.claimed.pass).toBeGreaterThanOrEqual(196);
    expect(r.singleNode.claimed.bakedPass).toBeGreaterThanOrEqual(298);
    expect(r.singleNode.claimed.bakedPass / r.singleNode.claimed.tests).toBeGreaterThanOrEqual(0.95);
    expect(r.issue8Ops.ops).toBe(53);
    expect(r.issue8Ops.claimed.pass).toBeGreaterThanOrEqual(155);
    expect(r.issue8Ops.claimed.bakedPass).toBeGreaterThanOrEqual(238);
    expect(r.issue8Ops.claimed.bakedPass / r.issue8Ops.claimed.tests).toBeGreaterThanOrEqual(0.95);
    // a test is left out of the claim only with a reason, and the claim covers most tests
    expect((r.outOfScope as { reason: string }[]).every((t) => t.reason.length > 0)).toBe(true);
    expect(r.singleNode.claimed.tests).toBeGreaterThanOrEqual(312);
    expect(bad).toEqual([]);
    expect(r.refusedWithoutReason).toEqual([]);

    // baking keeps the test's meaning: onnxruntime on each baked model gives the expected outputs
    const dataDir = r.dataDir as string;
    const readPb = (p: string) => decodeTensorData(decodeTensorProto(new Uint8Array(readFileSync(p))));
    let checked = 0;
    const noKernel: string[] = [];
    for (const t of tests.filter((x) => x.baked?.status === 'pass')) {
      const set = join(dataDir, t.name, 'test_data_set_0');
      const files = readdirSync(set);
      const x = readPb(join(set, 'input_0.pb'));
      const want = files.filter((f) => f.startsWith('output_')).sort().map((f) => readPb(join(set, f)));
      let got;
      try {
        got = await runOnnx(t.baked!.model, (specs) => ({
          [specs[0]!.name]: { dims: x.shape, data: specs[0]!.type === 'float32' ? Float32Array.from(x.data) : x.data, type: specs[0]!.type },
        }));
      } catch (err) {
        // onnxruntime has no kernel for some type combinations the ONNX reference defines (Pow-15 with a
        // uint64 exponent): nothing to check the baking against there
        if (/Could not find an implementation/.test(String((err as Error).message))) { noKernel.push(t.name); continue; }
        throw err;
      }
      want.forEach((w, k) => expect(closeEnough(w.data, got.outputs[k]!.data).ok, `${t.name} output ${k}`).toBe(true));
      checked += 1;
    }
    console.log(`baking checked on ${checked} models; onnxruntime has no kernel for ${noKernel.length}: ${noKernel.join(', ')}`);
    expect(checked).toBeGreaterThan(20);
    expect(noKernel.length).toBeLessThan(5);
  }, 600_000);
});
