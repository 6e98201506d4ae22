// The deep probe (`check --deep`): really imports each route module, each in its own process (a failed
// or crashing import must not affect the others), several at once as memory allows. A fork server
// (python/deep_import.py --serve) imports the heavy shared base (tensorflow, keras, tf_keras, onnx) once and
// forks each module's import from a state holding only base modules that import loads anyway; where
// fork is unavailable, or the server gives no answer for a module, that module gets its own interpreter.
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

/** The shared base, in the order the fork server imports it. */
export const BASE_MODULES = ['tensorflow', 'keras', 'tf_keras', 'onnx'] as const;

/**
 * The base modules each route module imports anyway: `sys.modules` after importing it (as the probe
 * does) in a fresh interpreter of the seed venv (TF 2.20, keras 3.11, tf_keras 2.20.1, onnx 1.19, torch 2.13).
 * The fork server starts that module's import from a state with exactly these imported, so a base
 * module never runs first in an import that would not load it; modules not listed start from a clean
 * interpreter. (onnx alone is cheap: it is not worth a level of its own.)
 */
export const IMPORTS_ANYWAY: Readonly<Record<string, readonly string[]>> = {
  onnx_tf: ['tensorflow', 'keras', 'onnx'],
  'onnx_tf.backend': ['tensorflow', 'keras', 'onnx'],
  tensorflow: ['tensorflow', 'keras'],
  'tensorflow.lite.python.lite': ['tensorflow', 'keras'],
  keras: ['tensorflow', 'keras'],
  tf_keras: ['tensorflow', 'keras', 'tf_keras'],
  tensorflow_addons: ['tensorflow', 'keras'],
  'tensorflow_probability.distributions': ['tensorflow', 'keras', 'tf_keras'],
};

/**
 * The base modules (in the server's order) that importing `module` loads anyway: those of its own entry and
 * of every enclosing package's, since Python imports a.b before a.b.c and a before a.b. So a submodule the
 * table does not list (a matrix rule's `tensorflow.lite.python.metrics...`) starts from its package's state,
 * not from a clean interpreter that would import tensorflow a second time.
 */
export function baseOf(module: string, base: NonNullable<DeepProbeOptions['base']>): string[] {
  const parts = module.split('.');
  const anyway = new Set<string>();
  for (let i = 1; i <= parts.length; i++) for (const b of base.importsAnyway[parts.slice(0, i).join('.')] ?? []) anyway.add(b);
  return base.order.filter((b) => anyway.has(b));
}

export const DEFAULT_IMPORT_TIMEOUT_MS = 120_000;
/** What a TensorFlow-importing interpreter holds at peak, measured roughly; used to size the pool. */
const BYTES_PER_CHILD = 1.5 * 1024 ** 3;

export interface DeepProbeOptions {
  /** per import; default: $TFDOCTOR_IMPORT_TIMEOUT seconds, else DEFAULT_IMPORT_TIMEOUT_MS */
  timeoutMs?: number;
  concurrency?: number;
  env?: Record<string, string>;
  onProgress?: (o: ImportOutcome) => void;
  /** 'separate': every import in its own interpreter, as without the fork server (benchmarks, comparisons) */
  mode?: 'fork-server' | 'separate';
  /** the shared base and what each module imports anyway (default BASE_MODULES / IMPORTS_ANYWAY) */
  base?: { order: readonly string[]; importsAnyway: Readonly<Record<string, readonly string[]>> };
}

/** As many children as free memory allows (~1.5 GB each), at least 1, at most 2 per CPU. */
export function defaultConcurrency(free = freemem(), cpuCount = cpus().length): number {
  return Math.max(1, Math.min(Math.floor(free / BYTES_PER_CHILD), Math.max(1, cpuCount) * 2));
}

/**
 * The fork server's imports at once: one CPU fewer than the machine has. The base chain's imports
 * (tensorflow, then keras, ...) take no slot and are the long pole every TensorFlow module waits for;
 * imports beside it on all CPUs only slow it down (imports are CPU-bound once the files are cached).
 */
export function forkServerConcurrency(free = freemem(), cpuCount = cpus().length): number {
  return Math.max(1, Math.min(Math.floor(free / BYTES_PER_CHILD), Math.max(1, cpuCount - 1)));
}

export async function deepProbe(python: string, modules: string[], opts: DeepProbeOptions = {}): Promise<Record<string, ImportOutcome>> {
  const timeoutMs = opts.timeoutMs ?? timeoutFromEnv('TFDOCTOR_IMPORT_TIMEOUT', DEFAULT_IMPORT_TIMEOUT_MS);
  const atMost = (n: number) => Math.max(1, Math.min(n, modules.length || 1));
  const concurrency = atMost(opts.concurrency ?? defaultConcurrency());
  const wanted = [...new Set(modules)];
  const results: Record<string, ImportOutcome> = {};
  const record = (o: ImportOutcome) => {
    results[o.module] = o;
    opts.onProgress?.(o);
  };
  if (opts.mode !== 'separate' && wanted.length > 0) {
    const base = opts.base ?? { order: BASE_MODULES, importsAnyway: IMPORTS_ANYWAY };
    await forkServer(python, wanted, { timeoutMs, concurrency: atMost(opts.concurrency ?? forkServerConcurrency()), env: opts.env, record, base });
  }
  // what the server did not answer (no fork, a server that could not start or died): one interpreter each
  const queue = wanted.filter((m) => results[m] === undefined);
  const worker = async () => {
    for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
      record(await importInChild(python, module, timeoutMs, opts.env));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  // stable order: the order asked for
  return Object.fromEntries(wanted.map((m) => [m, results[m]!]));
}

/** One line of the fork server: a module's answer, or (ignored here) a note on a base import. */
interface ServerLine extends Partial<ImportOutcome> {
  module?: string;
  crash?: { signal?: string; exitCode?: number };
  stderr?: string;
  /** the server is up (true) or cannot fork (false) */
  serving?: boolean;
}

async function forkServer(
  python: string, modules: string[],
  o: {
    timeoutMs: number; concurrency: number; env: Record<string, string> | undefined; record: (o: ImportOutcome) => void;
    base: NonNullable<DeepProbeOptions['base']>;
  },
): Promise<void> {
  const jobs = modules.map((module) => ({ module, base: baseOf(module, o.base) }));
  const wanted = new Set(modules);
  const answered = new Set<string>();
  // each import and each base import has its own timeout inside the server; this bounds the whole
  const rounds = o.base.order.length + 1 + Math.ceil(modules.length / o.concurrency);
  // an interpreter that hangs before the server is up would hang as each module's own interpreter too
  const stall = new AbortController();
  let serving = false;
  const startWatch = setTimeout(() => stall.abort(), o.timeoutMs);
  await runChild(python, ['-B', pythonScript('deep_import.py'), '--serve'], {
    timeoutMs: o.timeoutMs * rounds + 10_000,
    input: JSON.stringify({ jobs, timeout: o.timeoutMs / 1000, concurrency: o.concurrency }),
    env: { PYTHONIOENCODING: 'utf-8', ...o.env },
    maxBuffer: 64 * 1024 * 1024,
    signal: stall.signal,
    onStdoutLine: (line) => {
      let doc: ServerLine;
      try {
        doc = JSON.parse(line) as ServerLine;
      } catch {
        return;
      }
      if (doc.serving !== undefined) {
        serving = true;
        clearTimeout(startWatch);
      }
      if (typeof doc.module !== 'string' || !wanted.has(doc.module) || answered.has(doc.module)) return;
      answered.add(doc.module);
      o.record(fromServer(doc as ServerLine & { module: string }, o.timeoutMs));
    },
  });
  clearTimeout(startWatch);
  if (!serving && stall.signal.aborted) {
    for (const m of modules) if (!answered.has(m)) o.record(timeoutOutcome(m, o.timeoutMs / 1000, o.timeoutMs));
  }
}

/** A server line as an outcome: the child's own answer, or a timeout / crash worded as for a separate interpreter. */
function fromServer(doc: ServerLine & { module: string }, timeoutMs: number): ImportOutcome {
  const seconds = doc.seconds ?? 0;
  if (doc.timedOut) return timeoutOutcome(doc.module, seconds, timeoutMs);
  if (doc.crash) {
    return parseImportAnswer(doc.module, '', {
      ...(doc.crash.signal ? { signal: doc.crash.signal } : {}),
      ...(doc.crash.exitCode !== undefined ? { exitCode: doc.crash.exitCode } : {}),
      ...(doc.stderr ? { stderr: doc.stderr } : {}),
      elapsed: seconds,
    });
  }
  return parseImportAnswer(doc.module, JSON.stringify(doc), { elapsed: seconds });
}

function timeoutOutcome(module: string, seconds: number, timeoutMs: number): ImportOutcome {
  return {
    module, ok: false, seconds, timedOut: true,
    error: { type: 'Timeout', message: `import ${module} did not finish within ${formatSeconds(timeoutMs)}` },
  };
}

async function importInChild(python: string, module: string, timeoutMs: number, env?: Record<string, string>): Promise<ImportOutcome> {
  const r = await runChild(python, ['-B', pythonScript('deep_import.py'), module], {
    timeoutMs,
    env: { PYTHONIOENCODING: 'utf-8', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const elapsed = r.ms / 1000;
  if (r.timedOut) return timeoutOutcome(module, elapsed, timeoutMs);
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
