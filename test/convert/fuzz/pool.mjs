/**
 * Runs mutants through the real converter and classifies each: ok (a .tflite that reads back),
 * refused (a one-line UserError), crash (any other exception, a bad file, a dead worker), hang (over
 * the time limit: the worker is killed and replaced) or memory (an allocation failure, or the peak RSS
 * raised by more than 2x the mutant's bytes beyond a fixed allowance for the converter's own working set).
 * Workers run under `ulimit -v`, so a multi-GB allocation fails at once instead of being committed lazily.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeMutant } from './mutate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
const childPath = join(here, 'child.mjs');
const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');

/** Peak-RSS growth allowed to any mutant beyond 2x its bytes: code, JIT and GC slack of the converter itself. */
export const RSS_ALLOWANCE = 32 * 1024 * 1024;
/** Address-space limit of a worker: node itself reserves ~1 GB, so ~0.5 GB is left for data. */
export const VM_LIMIT_KB = 1536 * 1024;
export const OUTCOMES = ['ok', 'refused', 'crash', 'hang', 'memory'];

export function mutantBytes(m) {
  return m.bytes.length + Object.values(m.files).reduce((n, b) => n + (b ? b.length : 0), 0);
}

function limitedNode(args, opts, vmLimitKb = VM_LIMIT_KB) {
  // `exec` keeps the pid: killing it on a timeout kills node itself
  const limit = vmLimitKb ? `ulimit -v ${vmLimitKb} 2>/dev/null; ` : '';
  return ['/bin/sh', ['-c', `${limit}exec "$0" "$@"`, process.execPath, ...args], opts];
}

class Worker {
  constructor(pool) {
    this.pool = pool;
    this.stderr = '';
    // the worker's temp folder is made here, so it can be removed even when the worker is killed
    this.tmp = mkdtempSync(join(tmpdir(), 'tfdoctor-fuzz-'));
    const env = { ...process.env, TFDOCTOR_FUZZ_TMP: this.tmp };
    const [cmd, args, opts] = limitedNode([childPath], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env }, pool.vmLimitKb);
    this.proc = spawn(cmd, args, opts);
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.ready = new Promise((resolve, reject) => {
      this.proc.once('message', (m) => (m?.ready ? resolve() : reject(new Error('fuzz worker: bad hello'))));
      this.proc.once('exit', (code) => reject(new Error(`fuzz worker exited (${code}) before it was ready: ${this.stderr}`)));
    });
    this.proc.on('message', (m) => { if (!m?.ready) this.finish(m); });
    this.proc.on('exit', (code, signal) => {
      this.dead = true;
      rmSync(this.tmp, { recursive: true, force: true });
      if (this.job) {
        const oom = /heap out of memory|allocation failed/i.test(this.stderr);
        this.finish({ outcome: oom ? 'memory' : 'crash', message: `worker died (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  }

  run(job) {
    this.job = job;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => {
        this.dead = true; // before finish(): the pool must not hand this worker out again
        this.finish({ outcome: 'hang', message: `no answer within ${this.pool.timeoutMs} ms` });
        this.proc.kill('SIGKILL');
      }, this.pool.timeoutMs);
      this.proc.send(job, (err) => { if (err) this.finish({ outcome: 'crash', message: `worker gone: ${err.message}` }); });
    });
  }

  finish(result) {
    if (!this.job) return;
    clearTimeout(this.timer);
    this.job = undefined;
    this.resolve(result);
  }
}

export class FuzzPool {
  /** vmLimitKb 0: no address-space limit (the verifying pool: onnxruntime and LiteRT's wasm reserve a lot) */
  constructor({ workers = 1, timeoutMs = 10_000, vmLimitKb = VM_LIMIT_KB } = {}) {
    this.size = workers;
    this.vmLimitKb = vmLimitKb;
    this.timeoutMs = timeoutMs;
    this.idle = [];
    this.waiting = [];
    this.nextId = 0;
  }

  async start() {
    const ws = Array.from({ length: this.size }, () => new Worker(this));
    await Promise.all(ws.map((w) => w.ready));
    this.idle.push(...ws);
    return this;
  }

  async acquire() {
    const w = this.idle.pop();
    if (w && w.dead) {
      // died between jobs
      const fresh = new Worker(this);
      await fresh.ready;
      return fresh;
    }
    if (w) return w;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async release(w) {
    if (w.dead) {
      w = new Worker(this);
      await w.ready;
    }
    const next = this.waiting.shift();
    if (next) next(w); else this.idle.push(w);
  }

  /** Converts one mutant in a worker; returns its classified outcome. */
  async run(m) {
    const w = await this.acquire();
    let r;
    try {
      r = await w.run({ id: this.nextId++, bytes: m.bytes, files: m.files, ...(m.keep ? { keep: true } : {}), ...(m.tflite ? { tflite: m.tflite } : {}) });
    } finally {
      await this.release(w);
    }
    if (m.tflite) return r; // a verification: the runtimes' memory is not the converter's
    const budget = 2 * mutantBytes(m) + RSS_ALLOWANCE;
    if ((r.outcome === 'ok' || r.outcome === 'refused') && r.rssGrowth > budget) {
      return { ...r, outcome: 'memory', message: `peak RSS rose ${(r.rssGrowth / 2 ** 20).toFixed(1)} MB for ${mutantBytes(m)} bytes of input (${r.message})` };
    }
    return r;
  }

  close() {
    // disconnecting lets a worker exit on its own and remove its temp folder (a signal would skip that)
    for (const w of this.idle) w.proc.disconnect();
    this.idle = [];
  }
}

/**
 * Runs mutants seed/0 .. seed/(count-1) on the pool; tallies outcomes and keeps the failures. With a
 * verifyPool, the first `verify` mutants that convert are also run in onnxruntime and LiteRT:
 * verified / unverifiable (onnxruntime refuses the mutant too) / wrong (a failure).
 */
export async function fuzz(corpus, { seed, count, pool, onResult, verifyPool, verify = 0 }) {
  const tally = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  const verified = { verified: 0, unverifiable: 0, wrong: 0, crash: 0, hang: 0, memory: 0 };
  const unverifiable = new Map(); // onnxruntime's reason (numbers and names blanked) -> count
  const failures = [];
  let next = 0;
  let toVerify = verifyPool ? verify : 0;
  let maxRssGrowth = 0;
  const checks = [];
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const m = makeMutant(corpus, seed, index);
      const r = await pool.run(toVerify > 0 ? { ...m, keep: true } : m);
      tally[r.outcome]++;
      maxRssGrowth = Math.max(maxRssGrowth, r.rssGrowth ?? 0);
      if (r.outcome !== 'ok' && r.outcome !== 'refused') failures.push({ seed, index, base: m.base, mutations: m.mutations, ...r });
      if (r.outcome === 'ok' && r.tflite && toVerify-- > 0) {
        checks.push(verifyPool.run({ ...m, tflite: r.tflite }).then((v) => {
          verified[v.outcome]++;
          if (v.outcome === 'unverifiable') {
            const why = v.message.replace(/'[^']*'|"[^"]*"|\d+/g, '_').slice(0, 140);
            unverifiable.set(why, (unverifiable.get(why) ?? 0) + 1);
          }
          if (v.outcome !== 'verified' && v.outcome !== 'unverifiable') failures.push({ seed, index, base: m.base, mutations: m.mutations, ...v, outcome: `verify: ${v.outcome}` });
        }));
      }
      onResult?.(m, r);
    }
  };
  await Promise.all(Array.from({ length: pool.size }, lane));
  await Promise.all(checks);
  return { tally, failures, maxRssGrowth, ...(verifyPool ? { verified, unverifiable: [...unverifiable].sort((a, b) => b[1] - a[1]) } : {}) };
}

/** Runs a command to its end or to the time limit (then SIGKILL); resolves {status, signal, stderr, timedOut}. */
function runLimited(cmd, args, opts, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stderr, timedOut }); });
  });
}

/** Runs the real CLI (`node dist/cli/main.js convert`) on a mutant, under the same limits. */
export async function runCli(m, { timeoutMs = 20_000, readTflite }) {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-fuzz-cli-'));
  try {
    for (const [name, bytes] of Object.entries(m.files)) {
      if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true });
      else { mkdirSync(dirname(join(dir, name)), { recursive: true }); writeFileSync(join(dir, name), bytes); }
    }
    const model = join(dir, 'model.onnx');
    const out = join(dir, 'out.tflite');
    writeFileSync(model, m.bytes);
    const [cmd, args, opts] = limitedNode([cliPath, 'convert', model, '-o', out, '-q'], {});
    const p = await runLimited(cmd, args, opts, timeoutMs);
    const stderr = p.stderr;
    if (p.timedOut) return { outcome: 'hang', message: `no exit within ${timeoutMs} ms` };
    if (p.status === null) return { outcome: /heap out of memory/i.test(stderr) ? 'memory' : 'crash', message: `killed by ${p.signal}: ${stderr.slice(0, 200)}` };
    if (p.status === 0) {
      if (!existsSync(out)) return { outcome: 'crash', message: 'exit 0 but no .tflite written' };
      try {
        const parsed = readTflite(new Uint8Array(readFileSync(out)));
        return parsed.identifier === 'TFL3' ? { outcome: 'ok', message: `${parsed.operators.length} ops` } : { outcome: 'crash', message: `bad identifier ${parsed.identifier}` };
      } catch (err) {
        return { outcome: 'crash', message: `exit 0 but the .tflite does not read back: ${err.message}` };
      }
    }
    const first = stderr.split('\n')[0];
    const stack = /^\s+at .+[(:]\d+/m.test(stderr);
    if ((p.status === 1 || p.status === 2) && first.startsWith('tfdoctor: ') && !stack && !/internal error/.test(stderr)) {
      if (existsSync(out)) return { outcome: 'crash', message: `exit ${p.status} but a .tflite was left behind` };
      return { outcome: 'refused', message: first };
    }
    const oom = /heap out of memory|allocation failed/i.test(stderr);
    return { outcome: oom ? 'memory' : 'crash', message: `exit ${p.status}: ${stderr.trim().split('\n').slice(0, 4).join(' | ')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
