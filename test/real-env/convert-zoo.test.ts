/**
 * The torchvision zoo (issue #8): 24 classification architectures with seeded random weights (BatchNorm
 * statistics re-estimated, zero-initialised heads given random weights), each exported by torch 2.13's
 * default dynamo exporter and by the TorchScript exporter at opset 17 (scripts/models/export_zoo.py, cached
 * by scripts/models.mjs). Every file is converted and classified exact / refused / wrong (test/real-env/
 * zoo-harness.ts): each tier against onnxruntime, and the Python tier's three resolvers against PyTorch's float64
 * output on the same input (the function itself: PyTorch's float32 output is 2-5e-4 from it on inception_v3, as
 * far as a .tflite's kernels are, so judged against it a file passed or failed by the CPU's summation order; on a
 * fresh 2-core machine inception_v3's builtin kernels came 101 % of the tolerance from PyTorch's float32 and 90 %
 * from float64, with PyTorch's own float32 47 % away). The test fails on any wrong or crashed file and on any file test/real-env/zoo-expected.json
 * lists as exact that is not; a refused file that now converts exactly is reported, to be promoted there.
 *
 * TFDOCTOR_ZOO_FILTER=swin_t,resnet18.dynamo runs only those archs / cases. The table is printed and
 * written as JSON to <zoo cache>/results/<worktree folder name>.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTolerance } from '../../src/verify/index.js';
import { formatZooTable, runZoo, zooCases, type ZooModel, type ZooResult } from './zoo-harness.js';
// @ts-expect-error plain ESM script without types
import { ensureZoo } from '../../scripts/models.mjs';
// @ts-expect-error plain ESM script without types
import { ensureVenv } from '../../scripts/venvs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(join(here, 'zoo-expected.json'), 'utf8')) as { cases: Record<string, 'exact' | 'refused'> };
const filter = (process.env.TFDOCTOR_ZOO_FILTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const caseIds = Object.keys(expected.cases).filter((id) => !filter.length || filter.includes(id) || filter.includes(id.split('.')[0]!));

type Zoo = { dir: string; manifest: { models: { arch: string; max_abs_output: number; exports: Record<string, { ort_vs_torch_max_abs: number }> }[] }; models: ZooModel[] };
let zoo: Zoo;
const results = new Map<string, ZooResult>();
const out = mkdtempSync(join(tmpdir(), 'tfdoctor-zoo-'));

beforeAll(async () => {
  zoo = ensureZoo();
  const python = ensureVenv('tools').python;
  const cases = zooCases(zoo.models, filter);
  const list = await runZoo(cases, python, out, (m) => console.log(`[zoo] ${m}`));
  for (const r of list) results.set(r.id, r);
  console.log(formatZooTable(list));
  const resultsDir = join(zoo.dir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${basename(resolve(here, '..', '..'))}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), filter, results: list }, null, 1)}\n`);
  console.log(`[zoo] results written to ${file}`);
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the zoo exports', () => {
  it('are the 48 cases zoo-expected.json lists: 24 architectures including ConvNeXt, Swin v1/v2, ViT, MaxViT, GoogLeNet', () => {
    const ids = zooCases(zoo.models).map((c) => c.id).sort();
    expect(ids).toEqual(Object.keys(expected.cases).sort());
    expect(ids).toHaveLength(48);
    for (const arch of ['convnext_tiny', 'swin_t', 'swin_v2_t', 'vit_b_16', 'maxvit_t', 'googlenet']) {
      expect(ids).toContain(`${arch}.dynamo`);
      expect(ids).toContain(`${arch}.torchscript`);
    }
  });

  it('are faithful with a sane output scale: onnxruntime matches PyTorch on every file (manifest, measured at export)', () => {
    for (const m of zoo.manifest.models) {
      expect(m.max_abs_output, m.arch).toBeGreaterThanOrEqual(1);
      for (const [exporter, e] of Object.entries(m.exports)) {
        expect(e.ort_vs_torch_max_abs, `${m.arch}.${exporter}`).toBeLessThanOrEqual(verifyTolerance(m.max_abs_output));
      }
    }
  });
});

describe.each(caseIds)('%s', (id) => {
  it(`converts exactly or is refused, never wrong${expected.cases[id] === 'exact' ? ' (baseline: exact)' : ''}`, () => {
    const r = results.get(id);
    expect(r, 'no result').toBeDefined();
    const detail = JSON.stringify({ status: r!.status, maxErr: r!.maxErr, error: r!.error, node: r!.node, python: r!.python });
    expect(['exact', 'refused'], detail).toContain(r!.status);
    if (expected.cases[id] === 'exact') expect(r!.status, detail).toBe('exact');
    if (r!.status === 'refused') expect(r!.blockers!.length).toBeGreaterThan(0);
    if (r!.status === 'exact' && expected.cases[id] === 'refused') console.log(`[zoo] ${id} now converts exactly: mark it "exact" in test/real-env/zoo-expected.json`);
  });
});
