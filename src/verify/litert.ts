/**
 * The candidate runtime: the official LiteRT interpreter compiled to wasm (@litertjs/core), run in
 * plain Node. It targets browsers, so four shims are set before it loads (research file §3):
 * `self`, `require`, `__dirname` (its wasm folder) and `importScripts` (evaluates the glue script).
 * LiteRT.js resolves with garbage instead of failing when tensor allocation fails, printing only an
 * "ERROR:" line on stderr, so stderr is captured around every call and its ERROR lines are returned.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type * as LiteRtJs from '@litertjs/core';
import { missingRuntime } from './runtime-errors.js';
import type { TensorArray, TensorValue } from './tensors.js';

const requireHere = createRequire(import.meta.url);
let litePromise: Promise<typeof LiteRtJs> | undefined;

function wasmDir(): string {
  return join(dirname(requireHere.resolve('@litertjs/core/package.json')), 'wasm') + '/';
}

// Where LiteRT's console output goes while a capture is active. The wasm glue binds console.log /
// console.error once when it loads (`console.error.bind(console)`), so dispatchers are installed
// for the duration of the load and keep routing the glue's output here afterwards. Test runners
// replace console with their own, so process.stderr alone would miss it.
let sink: ((line: string) => void) | undefined;
type ConsoleFn = (...args: unknown[]) => void;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

function dispatcher(original: ConsoleFn): ConsoleFn {
  return (...args: unknown[]) => (sink ? sink(args.map(String).join(' ')) : original.apply(console, args));
}

/** Runs `fn` with process.stderr and console output captured; returns its result and the captured lines. */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const lines: string[] = [];
  const push = (text: string) => lines.push(...text.split('\n').filter(Boolean));
  const originalWrite = process.stderr.write;
  const originalConsole = CONSOLE_METHODS.map((m) => console[m]);
  const outer = sink;
  sink = push;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    push(String(chunk));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stderr.write;
  for (const m of CONSOLE_METHODS) console[m] = dispatcher(console[m] as ConsoleFn);
  try {
    return { value: await fn(), lines };
  } catch (error) {
    return { error, lines };
  } finally {
    process.stderr.write = originalWrite;
    CONSOLE_METHODS.forEach((m, i) => { console[m] = originalConsole[i]!; });
    sink = outer;
  }
}

/** Loads LiteRT.js once per process (about 0.2-0.4 s). */
export function loadLiteRtNode(): Promise<typeof LiteRtJs> {
  litePromise ??= (async () => {
    let lite: typeof LiteRtJs;
    let dir: string;
    try {
      dir = wasmDir();
      lite = await import('@litertjs/core');
    } catch (err) {
      throw missingRuntime('@litertjs/core', '2.5.3', err);
    }
    const g = globalThis as Record<string, unknown>;
    g.self ??= globalThis;
    g.require ??= requireHere;
    g.__dirname ??= dir;
    g.importScripts ??= (p: string) => vm.runInThisContext(readFileSync(p, 'utf8'), { filename: p });
    const loaded = await captureStderr(() => lite.loadLiteRt(dir));
    if (loaded.error) throw loaded.error;
    return lite;
  })().catch((err: unknown) => { litePromise = undefined; throw err; });
  return litePromise;
}

export interface TfliteDetails {
  name: string;
  dtype: string;
  dims: number[];
}

export interface TfliteRun {
  inputs: TfliteDetails[];
  outputs: TensorValue[];
  /** stderr lines LiteRT printed that say something went wrong (ERROR:, failed allocation) */
  errors: string[];
  /** every stderr line captured, for diagnostics */
  log: string[];
}

const SERIOUS = /^ERROR:|Failed to allocate|failed to prepare|Node number \d+ .* failed/i;
const NOISE = /Failed to create default WebGPU device/;

function detailsOf(d: { name: string; dtype: string; shape: ArrayLike<number> }): TfliteDetails {
  return { name: d.name, dtype: d.dtype, dims: Array.from({ length: d.shape.length }, (_, i) => d.shape[i]!) };
}

/** The input signature of a .tflite, as LiteRT.js reports it. */
export async function tfliteInputs(bytes: Uint8Array): Promise<TfliteDetails[]> {
  const lite = await loadLiteRtNode();
  const compiled = await captureStderr(() => lite.loadAndCompile(bytes, { accelerator: 'wasm' }));
  if (compiled.error || !compiled.value) throw compiled.error ?? new Error('LiteRT.js could not compile the model');
  try {
    return compiled.value.getInputDetails().map(detailsOf);
  } finally {
    compiled.value.delete();
  }
}

type Feed = readonly { dims: readonly number[]; data: TensorArray }[];

/** A compiled .tflite kept open for many runs (one compile: the quantized verification runs it 100 times). */
export interface OpenTflite {
  inputs: TfliteDetails[];
  /** one inference; ERROR lines LiteRT printed come back in `errors` */
  run(inputs: Feed | ((details: TfliteDetails[]) => Feed)): Promise<TfliteRun>;
  close(): void;
}

/** Compiles a .tflite with LiteRT.js (wasm/XNNPACK); rejects when LiteRT.js cannot load or compile it. */
export async function openTflite(bytes: Uint8Array): Promise<OpenTflite> {
  const lite = await loadLiteRtNode();
  const compileLog: string[] = [];
  const compiled = await captureStderr(() => lite.loadAndCompile(bytes, { accelerator: 'wasm' }));
  compileLog.push(...compiled.lines);
  if (compiled.error || !compiled.value) {
    const msg = compiled.error instanceof Error ? compiled.error.message : String(compiled.error);
    throw new Error(`LiteRT.js could not load the model: ${msg}${compiled.lines.some((l) => SERIOUS.test(l)) ? ` (${compiled.lines.filter((l) => SERIOUS.test(l)).join('; ')})` : ''}`);
  }
  const model = compiled.value;
  const inDetails = model.getInputDetails().map(detailsOf);
  let first = true;
  return {
    inputs: inDetails,
    close: () => model.delete(),
    async run(inputs) {
      // compile-time ERROR lines (a failed delegation) belong to the first run's report
      const log: string[] = first ? [...compileLog] : [];
      first = false;
      const tensors: LiteRtJs.Tensor[] = [];
      try {
        const given = typeof inputs === 'function' ? inputs(inDetails) : inputs;
        if (given.length !== inDetails.length) throw new Error(`the model takes ${inDetails.length} inputs, ${given.length} given`);
        for (const t of given) {
          if (!(t.data instanceof Float32Array || t.data instanceof Int32Array || t.data instanceof Uint8Array)) {
            throw new Error(`LiteRT.js cannot feed ${t.data.constructor.name} inputs (float32, int32, uint8 only)`);
          }
          tensors.push(new lite.Tensor(t.data as LiteRtJs.TypedArray, [...t.dims]));
        }
        const ran = await captureStderr(() => model.run(tensors));
        log.push(...ran.lines);
        if (ran.error || !ran.value) throw ran.error ?? new Error('LiteRT.js run returned nothing');
        const outDetails = model.getOutputDetails().map(detailsOf);
        const outputs = ran.value.map((t, i) => {
          tensors.push(t);
          const data = t.toTypedArray();
          return { name: outDetails[i]?.name ?? `output_${i}`, dims: outDetails[i]?.dims ?? [data.length], data: data.slice() as TensorArray };
        });
        return { inputs: inDetails, outputs, errors: log.filter((l) => SERIOUS.test(l) && !NOISE.test(l)), log };
      } finally {
        for (const t of tensors) if (!t.deleted) t.delete();
      }
    },
  };
}

/**
 * Runs a .tflite with LiteRT.js (wasm/XNNPACK) on positional inputs (float32, int32 or uint8, the
 * types LiteRT.js can feed); inputs may be given as a function of the model's input details.
 * Rejects when LiteRT.js cannot load/compile/run the model; ERROR lines come back in `errors`.
 */
export async function runTflite(bytes: Uint8Array, inputs: Feed | ((details: TfliteDetails[]) => Feed)): Promise<TfliteRun> {
  const model = await openTflite(bytes);
  try {
    return await model.run(inputs);
  } finally {
    model.close();
  }
}
