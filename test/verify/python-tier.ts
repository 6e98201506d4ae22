/**
 * The Python verification tier, for tests and benches: scripts/models/verify_tflite.py in the `tools`
 * venv (onnxruntime + ai_edge_litert from PyPI) on .npy inputs shared with the Node tier.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpyFloat32 } from '../../src/verify/npy.js';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'models', 'verify_tflite.py');

export interface ResolverResult {
  maxAbs: number | null;
  maxRel: number | null;
  pass: boolean;
  ops?: string[];
  error?: string;
  vsTorchMaxAbs?: number | null;
}

export interface PythonVerifyResult {
  maxRef: number;
  tolerance: number;
  maxAbs: number | null;
  maxRel: number | null;
  pass: boolean;
  resolvers: Record<'auto' | 'builtin' | 'ref', ResolverResult>;
  onnxVsTorchMaxAbs?: number;
}

/** Writes Float32Array inputs as .npy files for the Python side; returns their paths. */
export function writeNpyInputs(inputs: readonly { dims: readonly number[]; data: Float32Array }[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-pyverify-'));
  return inputs.map((t, i) => {
    const p = join(dir, `input_${i}.npy`);
    writeFileSync(p, encodeNpyFloat32(t.data, t.dims));
    return p;
  });
}

export function pythonVerify(python: string, opts: {
  onnx: string; tflite: string; inputs: string[]; torchOutput?: string; resolvers?: string; nhwc?: 'auto' | 'yes' | 'no';
}): PythonVerifyResult {
  const args = [script, '--onnx', opts.onnx, '--tflite', opts.tflite, '--inputs', ...opts.inputs,
    '--nhwc', opts.nhwc ?? 'auto', '--resolvers', opts.resolvers ?? 'auto,builtin,ref'];
  if (opts.torchOutput) args.push('--torch-output', opts.torchOutput);
  const out = execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as PythonVerifyResult;
}

export interface PythonVerifyJob {
  id: string; onnx: string; tflite: string; inputs: string[]; torchOutput?: string; resolvers?: string; nhwc?: 'auto' | 'yes' | 'no';
}

/**
 * Many pairs in one Python process (one interpreter and import start-up for all): results by job id.
 * A job the Python side could not run at all carries `error` and pass false. The process is killed after
 * `timeoutMs` (default 60 s per job); jobs without a result line then get that as their error.
 */
export function pythonVerifyBatch(python: string, jobs: readonly PythonVerifyJob[], timeoutMs = 60_000 * Math.max(1, jobs.length)):
Map<string, PythonVerifyResult & { error?: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'tfdoctor-pyjobs-')), 'jobs.json');
  writeFileSync(file, JSON.stringify(jobs));
  const r = spawnSync(python, [script, '--jobs', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' });
  const results = new Map<string, PythonVerifyResult & { error?: string }>();
  for (const line of (r.stdout ?? '').split('\n')) {
    if (!line.startsWith('{')) continue;
    const res = JSON.parse(line) as PythonVerifyResult & { id: string; error?: string };
    results.set(res.id, res);
  }
  const why = r.error ? `${r.error.message}` : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  for (const job of jobs) {
    if (!results.has(job.id)) {
      results.set(job.id, { pass: false, error: `no result from the Python tier (${why})`, maxRef: 0, tolerance: 0, maxAbs: null, maxRel: null, resolvers: {} as PythonVerifyResult['resolvers'] });
    }
  }
  return results;
}


export interface PythonQualityOutput { sqnrDb: number | null; cosine: number; maxAbs: number | null; top1Agreement?: number }
export interface PythonQualityResult {
  samples: number;
  pass: boolean;
  resolvers: Record<string, { pass: boolean; outputs?: PythonQualityOutput[]; error?: string }>;
}

/**
 * verify_tflite.py --quality: a quantized .tflite against the float ONNX model in ai_edge_litert over
 * samples stacked on a leading axis of each input (`samples[k][i]` = input i of sample k).
 */
export function pythonVerifyQuality(python: string, opts: {
  onnx: string; tflite: string; samples: readonly (readonly { dims: readonly number[]; data: Float32Array }[])[];
  resolvers?: string; minAgreement?: number; minSqnr?: number; timeoutMs?: number;
}): PythonQualityResult {
  const first = opts.samples[0]!;
  const stacked = first.map((t, i) => {
    const data = new Float32Array(t.data.length * opts.samples.length);
    opts.samples.forEach((s, k) => data.set(s[i]!.data, k * t.data.length));
    return { dims: [opts.samples.length, ...t.dims], data };
  });
  const args = [script, '--quality', '--onnx', opts.onnx, '--tflite', opts.tflite, '--inputs', ...writeNpyInputs(stacked),
    '--resolvers', opts.resolvers ?? 'auto,builtin,ref', '--min-agreement', String(opts.minAgreement ?? 0.98)];
  if (opts.minSqnr !== undefined) args.push('--min-sqnr', String(opts.minSqnr));
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: opts.timeoutMs ?? 600_000, killSignal: 'SIGKILL' });
  if (r.status !== 0) throw new Error(`verify_tflite.py --quality failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PythonQualityResult;
}
