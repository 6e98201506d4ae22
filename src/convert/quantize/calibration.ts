/**
 * `--calibration`: the samples int8 ranges are measured on. A .npy holds N samples of the model's
 * only input (N along the leading, batch axis), an .npz holds one such array per input keyed by the
 * input name, a folder holds such files (read in name order and joined); `random` draws seeded
 * standard-normal samples and says loudly that the ranges are then meaningless for real data.
 * Samples are in the ONNX model's own input layout (NCHW for images).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { decodeNpy, type NpyArray } from '../../verify/npy.js';
import { seededInputs } from '../../verify/prng.js';
import { decodeNpz } from './npz.js';

export interface ModelInput {
  name: string;
  /** concrete dims in the ONNX layout, batch first */
  dims: number[];
}

export interface CalibrationSet {
  /** what the samples came from (a path, or "random") */
  source: string;
  random: boolean;
  /** samples[k][i]: sample k of input i, shaped like `inputs[i].dims` */
  samples: Float32Array[][];
  warnings: string[];
}

/** The refusal of `--quantize int8` without `--calibration` (the CLI says it before reading the model, the core after). */
export const CALIBRATION_REQUIRED =
  '--quantize int8 needs --calibration DATA: a .npy/.npz of N samples of the model input, a folder of them, or `random` (random ranges, not for a model you ship)';

export const RANDOM_CALIBRATION_WARNING =
  '--calibration random: ranges measured on random normal inputs, not on your data; int8 accuracy on real inputs can be far worse. Give real samples (.npy/.npz) for a model you ship.';

/** How many random samples `--calibration random` draws. */
export const RANDOM_SAMPLES = 100;

function bad(source: string, why: string): never {
  throw new UserError(`--calibration ${source}: ${why}`);
}

function asFloat32(a: NpyArray): Float32Array {
  if (a.dtype === 'float32') return a.data;
  if (a.dtype === 'int64') return Float32Array.from(a.data, (v) => Number(v));
  return Float32Array.from(a.data as ArrayLike<number>);
}

const shapeText = (dims: readonly number[]) => `[${dims.join(',')}]`;

/** Splits one array of N x batch samples into per-sample arrays for `input`. */
function splitSamples(source: string, input: ModelInput, a: NpyArray): Float32Array[] {
  const want = input.dims;
  const rest = want.slice(1);
  const fits = a.dims.length === want.length && a.dims.slice(1).every((d, i) => d === rest[i]) && a.dims[0]! % (want[0] || 1) === 0;
  if (!fits) {
    bad(source, `'${input.name}' is ${a.dtype} ${shapeText(a.dims)}; the model's input is ${shapeText(want)}, so samples must be [N,${rest.join(',')}]`);
  }
  if (a.dims[0] === 0) bad(source, `'${input.name}' holds no samples (leading dimension 0)`);
  const data = asFloat32(a);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) bad(source, `'${input.name}' holds a non-finite value at flat index ${i}`);
  const per = want.reduce((n, d) => n * d, 1);
  const out: Float32Array[] = [];
  for (let o = 0; o < data.length; o += per) out.push(data.slice(o, o + per));
  return out;
}

function decodeFile(path: string): { npy?: NpyArray; npz?: Map<string, NpyArray> } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    bad(path, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const ext = extname(path).toLowerCase();
    if (ext === '.npz') return { npz: decodeNpz(bytes) };
    if (ext === '.npy') return { npy: decodeNpy(bytes) };
  } catch (err) {
    bad(path, (err as Error).message);
  }
  bad(path, 'expected a .npy or .npz file, or a folder of them');
}

/** Samples from one file: a .npy for a one-input model, an .npz keyed by input name. */
function samplesFromFile(path: string, inputs: readonly ModelInput[]): Float32Array[][] {
  const { npy, npz } = decodeFile(path);
  let perInput: Float32Array[][];
  if (npy) {
    if (inputs.length !== 1) bad(path, `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); give an .npz with one array per input name`);
    perInput = [splitSamples(path, inputs[0]!, npy)];
  } else {
    const arrays = npz!;
    perInput = inputs.map((input) => {
      // np.savez(f, x) names a lone array arr_0: take it for a one-input model
      const a = arrays.get(input.name) ?? (inputs.length === 1 && arrays.size === 1 ? [...arrays.values()][0] : undefined);
      if (!a) bad(path, `no array named '${input.name}' (it holds ${[...arrays.keys()].join(', ') || 'nothing'})`);
      return splitSamples(path, input, a);
    });
    const counts = new Set(perInput.map((s) => s.length));
    if (counts.size > 1) bad(path, `the inputs hold different sample counts (${perInput.map((s, i) => `${inputs[i]!.name}: ${s.length}`).join(', ')})`);
  }
  return perInput[0]!.map((_, k) => perInput.map((s) => s[k]!));
}

export function loadCalibration(source: string, inputs: readonly ModelInput[], opts: { seed?: number; randomCount?: number } = {}): CalibrationSet {
  if (source === 'random') {
    const count = opts.randomCount ?? RANDOM_SAMPLES;
    const seed = opts.seed ?? 0;
    const samples = Array.from({ length: count }, (_, k) => seededInputs(inputs.map((i) => i.dims), seed + k));
    return { source, random: true, samples, warnings: [RANDOM_CALIBRATION_WARNING] };
  }
  let stat;
  try {
    stat = statSync(source);
  } catch {
    bad(source, 'no such file or folder');
  }
  if (!stat.isDirectory()) return { source, random: false, samples: samplesFromFile(source, inputs), warnings: [] };
  const files = readdirSync(source).filter((f) => /\.(npy|npz)$/i.test(f)).sort();
  if (files.length === 0) bad(source, 'the folder holds no .npy or .npz files');
  const samples = files.flatMap((f) => samplesFromFile(join(source, f), inputs));
  return { source: `${source} (${files.length} files: ${files.slice(0, 3).map((f) => basename(f)).join(', ')}${files.length > 3 ? ', ...' : ''})`, random: false, samples, warnings: [] };
}
