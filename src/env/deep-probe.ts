// The deep probe (`check --deep`): really imports each route module, each in its own interpreter
// (a failed or crashing import must not affect the others), several at once as memory allows.
import { cpus, freemem } from 'node:os';
import { formatSeconds, runChild, timeoutFromEnv } from '../util/child.js';
import { lastLine, pythonScript } from './python-scripts.js';

export interface ImportOutcome {
  module: string;
  ok: boolean;
  seconds: number;
  timedOut?: boolean;
  /** the top-level package's __version__ */
  version?: string;
  error?: {
    /** exception class name (ImportError, ModuleNotFoundError, AttributeError ...), or ProcessCrash / Timeout */
    type: string;
    /** first line of the exception message */
    message: string;
    /** the traceback's final line, "Type: full message" */
    lastLine?: string;
    /** ModuleNotFoundError: the module that was missing */
    missingModule?: string;
    /** other ImportErrors: the module the failing `from X import` named */
    importName?: string;
    frame?: {
      /** path relative to its site-packages dir, '/'-separated, e.g. tensorflow_addons/utils/types.py */
      file: string;
      /** absolute path */
      path?: string;
      line: number;
      function: string;
      /** the distribution whose RECORD lists the file (name as in METADATA) */
      distribution?: string;
    };
  };
}

/**
 * The modules the conversion routes need. A dotted name is imported the way `from a import b`
 * resolves it, then touched, so lazily loaded packages really load:
 * - onnx_tf.backend: where onnx-tf imports its handlers (and through them tensorflow_addons and
 *   tensorflow_probability); prepare() needs it.
 * - tensorflow_probability.distributions: `import tensorflow_probability` alone is lazy (it loads
 *   nothing, so it cannot fail); onnx-tf's bernoulli handler does `from tensorflow_probability import distributions`.
 * - tensorflow.lite.python.lite: TFLiteConverter's module (the seed's `undefined symbol` failure showed there).
 */
export const ROUTE_MODULES = [
  'onnx', 'onnx_tf', 'onnx_tf.backend', 'tensorflow', 'tensorflow.lite.python.lite', 'keras', 'tf_keras',
  'tensorflow_addons', 'tensorflow_probability', 'tensorflow_probability.distributions',
  'torch', 'onnx2tf', 'ai_edge_litert', 'litert_torch', 'ai_edge_torch', 'onnxscript', 'onnxruntime',
] as const;

export const DEFAULT_IMPORT_TIMEOUT_MS = 120_000;
/** What a TensorFlow-importing interpreter holds at peak, measured roughly; used to size the pool. */
const BYTES_PER_CHILD = 1.5 * 1024 ** 3;

export interface DeepProbeOptions {
  /** per import; default: $TFDOCTOR_IMPORT_TIMEOUT seconds, else DEFAULT_IMPORT_TIMEOUT_MS */
  timeoutMs?: number;
  concurrency?: number;
  env?: Record<string, string>;
  onProgress?: (o: ImportOutcome) => void;
}

/** As many children as free memory allows (~1.5 GB each), at least 1, at most 2 per CPU. */
export function defaultConcurrency(free = freemem(), cpuCount = cpus().length): number {
  return Math.max(1, Math.min(Math.floor(free / BYTES_PER_CHILD), Math.max(1, cpuCount) * 2));
}

export async function deepProbe(python: string, modules: string[], opts: DeepProbeOptions = {}): Promise<Record<string, ImportOutcome>> {
  const timeoutMs = opts.timeoutMs ?? timeoutFromEnv('TFDOCTOR_IMPORT_TIMEOUT', DEFAULT_IMPORT_TIMEOUT_MS);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? defaultConcurrency(), modules.length || 1));
  const results: Record<string, ImportOutcome> = {};
  const queue = [...new Set(modules)];
  const worker = async () => {
    for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
      const outcome = await importInChild(python, module, timeoutMs, opts.env);
      results[module] = outcome;
      opts.onProgress?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // stable order: the order asked for
  return Object.fromEntries([...new Set(modules)].map((m) => [m, results[m]!]));
}

async function importInChild(python: string, module: string, timeoutMs: number, env?: Record<string, string>): Promise<ImportOutcome> {
  const r = await runChild(python, ['-B', pythonScript('deep_import.py'), module], {
    timeoutMs,
    env: { PYTHONIOENCODING: 'utf-8', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const elapsed = r.ms / 1000;
  if (r.timedOut) {
    return {
      module, ok: false, seconds: elapsed, timedOut: true,
      error: { type: 'Timeout', message: `import ${module} did not finish within ${formatSeconds(timeoutMs)}` },
    };
  }
  return parseImportAnswer(module, r.stdout, {
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), ...(r.signal ? { signal: r.signal } : {}),
    stderr: r.stderr, ...(r.spawnError ? { spawnError: r.spawnError } : {}), elapsed,
  });
}

/**
 * Turns a deep_import.py child's output into an outcome. A child that died before answering
 * (segfault, abort, garbage on stdout) is a ProcessCrash carrying the last stderr line.
 * Pure: tests feed recorded output.
 */
export function parseImportAnswer(
  module: string,
  stdout: string | undefined,
  proc: { exitCode?: number; signal?: string; stderr?: string; spawnError?: string; elapsed: number },
): ImportOutcome {
  const text = (stdout ?? '').trim();
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as ImportOutcome;
      if (doc.module === module && typeof doc.ok === 'boolean') return doc;
    } catch { /* fall through to crash */ }
  }
  const how = proc.spawnError ? `could not start ${proc.spawnError}`
    : proc.signal ? `killed by ${proc.signal}` : `exited with code ${proc.exitCode ?? '?'} without an answer`;
  const tail = lastLine(proc.stderr);
  return {
    module, ok: false, seconds: proc.elapsed,
    error: { type: 'ProcessCrash', message: tail ? `${how}: ${tail}` : how, ...(tail ? { lastLine: tail } : {}) },
  };
}
