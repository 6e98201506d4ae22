/**
 * The torchvision-zoo acceptance harness (issue #8), shared by test/real-env/convert-zoo.test.ts:
 * converts each exported file with tfdoctor's converter and classifies it as
 *   exact    converted, and within 1e-4 x max(1, max|y|) on both verification tiers: Node (LiteRT.js vs
 *            onnxruntime-node, seeded random input) and Python (ai_edge_litert with XNNPACK, builtin and
 *            reference kernels vs onnxruntime, on PyTorch's input, and vs PyTorch's own output);
 *   refused  the converter refused it (ConversionRefused), with every blocker;
 *   wrong    converted, but some tier disagrees or a runtime failed on the .tflite;
 *   crashed  the converter threw something other than a refusal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertFile, ConversionRefused } from '../../src/convert/index.js';
import { verifyConversion, verifyTolerance } from '../../src/verify/index.js';
import { refusalText } from '../../src/report/refusal.js';
import { pythonVerifyBatch, type PythonVerifyResult } from '../verify/python-tier.js';

export type ZooStatus = 'exact' | 'refused' | 'wrong' | 'crashed';

export interface ZooModel {
  arch: string; inputShape: number[]; maxAbsOutput: number; input: string; torchOutput: string; exports: Record<string, string>;
  /** the same model in float64 on the same input (export_zoo.py): what every .tflite is judged against */
  torchOutputF64: string;
}

/** torchReference: PyTorch's float64 output, the function itself (its float32 output is one more rounding of it) */
export interface ZooCase { id: string; arch: string; exporter: string; onnx: string; input: string; torchReference: string; maxAbsOutput: number }

export interface ZooResult {
  id: string; arch: string; exporter: string; status: ZooStatus;
  /** 1e-4 x max(1, max|PyTorch output|) */
  tolerance: number;
  ops?: number;
  opCounts?: Record<string, number>;
  convertMs?: number;
  /** worst error over the tiers and PyTorch (null when not converted) */
  maxErr?: number | null;
  node?: { maxAbs: number; tolerance: number; pass: boolean; problems: string[] };
  python?: { pass: boolean; tolerance: number; error?: string; resolvers: Record<string, { maxAbs: number | null; vsTorchMaxAbs?: number | null; error?: string }> };
  /** unique "Op-version: reason" lines of a refusal, in the converter's order */
  blockers?: string[];
  error?: string;
}

/** Cases `arch.exporter`; a filter entry selects an arch (every export) or one case id. */
export function zooCases(models: readonly ZooModel[], filter: readonly string[] = []): ZooCase[] {
  const cases = models.flatMap((m) => Object.entries(m.exports).map(([exporter, onnx]) => ({
    id: `${m.arch}.${exporter}`, arch: m.arch, exporter, onnx, input: m.input, torchReference: m.torchOutputF64, maxAbsOutput: m.maxAbsOutput,
  })));
  return filter.length ? cases.filter((c) => filter.includes(c.arch) || filter.includes(c.id)) : cases;
}

function blockerLines(err: ConversionRefused): string[] {
  return [...new Set(err.blockers.map((b) => `${b.version ? `${b.op}-${b.version}` : b.op}: ${refusalText(b)}`))];
}

function worst(...xs: (number | null | undefined)[]): number {
  // a missing number where one was due (null: non-finite on the Python side) is the worst error
  return xs.reduce<number>((w, x) => (x === null || x === undefined || Number.isNaN(x) ? Infinity : Math.max(w, x)), 0);
}

/**
 * Converts and verifies every case; .tflite files go to `outDir`. The Python tier runs once for all
 * converted cases (one interpreter start).
 */
export async function runZoo(cases: readonly ZooCase[], python: string, outDir: string, log: (m: string) => void = () => {}): Promise<ZooResult[]> {
  const results: ZooResult[] = [];
  const tflites = new Map<string, string>();
  for (const c of cases) {
    const tolerance = verifyTolerance(c.maxAbsOutput);
    const base = { id: c.id, arch: c.arch, exporter: c.exporter, tolerance };
    let converted;
    try {
      converted = await convertFile(c.onnx);
    } catch (err) {
      if (err instanceof ConversionRefused) results.push({ ...base, status: 'refused', blockers: blockerLines(err) });
      else results.push({ ...base, status: 'crashed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      log(`${c.id}: ${results.at(-1)!.status}`);
      continue;
    }
    const tflite = join(outDir, `${c.id}.tflite`);
    writeFileSync(tflite, converted.tflite);
    tflites.set(c.id, tflite);
    const node = await verifyConversion(c.onnx, tflite, { seed: 7, runs: 1 });
    results.push({
      ...base, status: 'wrong', ops: converted.summary.opsOut, opCounts: converted.summary.opCounts, convertMs: converted.summary.ms,
      node: { maxAbs: node.maxAbs, tolerance: node.tolerance, pass: node.pass, problems: node.problems },
    });
    log(`${c.id}: converted (${converted.summary.opsOut} ops), Node tier ${node.pass ? 'pass' : 'FAIL'} ${node.maxAbs.toExponential(2)}`);
  }
  const jobs = cases.filter((c) => tflites.has(c.id))
    .map((c) => ({ id: c.id, onnx: c.onnx, tflite: tflites.get(c.id)!, inputs: [c.input], torchOutput: c.torchReference }));
  const py = jobs.length ? pythonVerifyBatch(python, jobs, 300_000 + 120_000 * jobs.length) : new Map();
  for (const r of results) {
    const p = py.get(r.id) as (PythonVerifyResult & { error?: string }) | undefined;
    if (!p) continue;
    r.python = {
      pass: p.pass, tolerance: p.tolerance, ...(p.error ? { error: p.error } : {}),
      resolvers: Object.fromEntries(Object.entries(p.resolvers).map(([k, v]) => [k, {
        maxAbs: v.maxAbs, ...(v.vsTorchMaxAbs !== undefined ? { vsTorchMaxAbs: v.vsTorchMaxAbs } : {}), ...(v.error ? { error: v.error } : {}),
      }])),
    };
    const resolvers = Object.values(p.resolvers);
    const vsTorch = resolvers.map((v) => v.vsTorchMaxAbs);
    r.maxErr = worst(r.node!.maxAbs, ...resolvers.map((v) => v.maxAbs), ...vsTorch);
    const torchOk = resolvers.length > 0 && vsTorch.every((e) => e !== null && e !== undefined && e <= r.tolerance);
    r.status = r.node!.pass && p.pass && resolvers.length === 3 && torchOk ? 'exact' : 'wrong';
  }
  return results;
}

/** The summary table: arch, exporter, status, ops, max err, tolerance, first refusal reason (or error). */
export function formatZooTable(results: readonly ZooResult[]): string {
  const rows = [['arch', 'exporter', 'status', 'ops', 'max err', 'tolerance', 'first refusal reason / problem']];
  for (const r of results) {
    const why = r.blockers?.[0] ?? r.error ?? r.python?.error ?? r.node?.problems[0]
      ?? Object.entries(r.python?.resolvers ?? {}).map(([k, v]) => (v.error ? `${k}: ${v.error}` : '')).find(Boolean) ?? '';
    rows.push([r.arch, r.exporter, r.status, r.ops === undefined ? '-' : String(r.ops),
      r.maxErr === undefined || r.maxErr === null ? '-' : r.maxErr.toExponential(2), r.tolerance.toExponential(1), why.slice(0, 110)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const counts = ['exact', 'refused', 'wrong', 'crashed'].map((s) => `${results.filter((r) => r.status === s).length} ${s}`).join(', ');
  return `${rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n${results.length} files: ${counts}`;
}
