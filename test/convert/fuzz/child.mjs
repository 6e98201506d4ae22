/**
 * One fuzz worker process: converts each mutant it is sent with the real converter (dist/, the public
 * convertFile entry), reads the .tflite back, and reports the outcome and how far the mutant raised the
 * process's peak RSS. The parent owns time limits (it kills this process on a hang).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const dist = new URL('../../../dist/', import.meta.url);
const { convertFile } = await import(new URL('convert/index.js', dist).href);
const { readTflite } = await import(new URL('convert/tflite/read.js', dist).href);
const { UserError } = await import(new URL('util/errors.js', dist).href);

const root = process.env.TFDOCTOR_FUZZ_TMP ?? mkdtempSync(join(tmpdir(), 'tfdoctor-fuzz-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

/** Places the model and its neighbours (name -> bytes; 'name/' -> directory) in a fresh folder. */
function place(job) {
  const dir = join(root, String(job.id));
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(job.files ?? {})) {
    if (name.endsWith('/')) mkdirSync(join(dir, name), { recursive: true });
    else {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
  }
  const model = join(dir, 'model.onnx');
  writeFileSync(model, job.bytes);
  return { dir, model };
}

const ALLOCATION = /allocation failed|Invalid typed array length|Invalid array length|Array buffer allocation|out of memory/i;

async function convertOne(job) {
  const { dir, model } = place(job);
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  let result;
  try {
    const { tflite, summary } = await convertFile(model);
    let parsed;
    try {
      parsed = readTflite(tflite);
    } catch (err) {
      result = { outcome: 'crash', message: `converted, but the .tflite does not read back: ${err.message}` };
    }
    if (parsed && parsed.identifier !== 'TFL3') result = { outcome: 'crash', message: `converted, but the file identifier is '${parsed.identifier}'` };
    else if (parsed) {
      // the shapes written (int32 in the flatbuffer) must be the shapes the converter meant
      const io = (sig, names) => sig.map((x) => `${x.name}[${parsed.tensors[x.tensor]?.shape.join(',')}]`).join(' ') === names.map((x) => `${x.name}[${x.shape.join(',')}]`).join(' ');
      const sig = parsed.signature;
      result = sig && io(sig.inputs, summary.inputs) && io(sig.outputs, summary.outputs)
        ? { outcome: 'ok', message: `${parsed.operators.length} ops, ${tflite.length} bytes`, ...(job.keep ? { tflite } : {}) }
        : { outcome: 'crash', message: `converted, but the .tflite's signature shapes differ from the converter's: ${JSON.stringify({ summary: [summary.inputs, summary.outputs], sig })}` };
    }
  } catch (err) {
    if (err instanceof UserError) {
      const first = err.message.split('\n')[0];
      const oneLine = err.name === 'ConversionRefused' || !err.message.includes('\n');
      result = oneLine && first.trim()
        ? { outcome: 'refused', message: first }
        : { outcome: 'crash', message: `a refusal that is not one line: ${JSON.stringify(err.message.slice(0, 300))}` };
    } else {
      const message = err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 6).join('\n') : String(err);
      result = { outcome: ALLOCATION.test(String(err?.message)) ? 'memory' : 'crash', message };
    }
  }
  const ms = performance.now() - t0;
  const rssGrowth = (process.resourceUsage().maxRSS - before) * 1024;
  rmSync(dir, { recursive: true, force: true });
  return { ...result, ms, rssGrowth };
}

/**
 * Runs a converted mutant in onnxruntime (the reference) and the .tflite in LiteRT on seeded inputs.
 * A mutant onnxruntime itself refuses to run has no reference: it is 'unverifiable', not wrong.
 */
async function verifyOne(job) {
  const { dir, model } = place(job);
  const verify = await import(new URL('verify/index.js', dist).href);
  try {
    let reference;
    try {
      reference = await verify.runOnnx(model, (specs) => {
        const dims = specs.map((s) => verify.concreteDims(s.dims));
        const data = verify.seededInputs(dims, 7);
        return Object.fromEntries(specs.map((s, i) => [s.name, { dims: dims[i], data: data[i] }]));
      });
    } catch (err) {
      return { outcome: 'unverifiable', message: `onnxruntime: ${String(err?.message ?? err).split('\n')[0].slice(0, 200)}` };
    }
    // NaN or Inf from the reference (e.g. a BatchNormalization whose variance went negative) compares with nothing
    const finite = reference.outputs.every((o) => Array.from(o.data, Number).every(Number.isFinite));
    if (!finite) return { outcome: 'unverifiable', message: "onnxruntime's output is not finite" };
    const tflitePath = join(dir, 'model.tflite');
    writeFileSync(tflitePath, job.tflite);
    const v = await verify.verifyConversion(model, tflitePath, { seed: 7, runs: 1 });
    return v.pass
      ? { outcome: 'verified', message: `max abs error ${v.maxAbs.toExponential(2)}` }
      : { outcome: 'wrong', message: `max abs error ${v.maxAbs} (tolerance ${v.tolerance.toExponential(2)}); ${v.problems.join('; ').slice(0, 300)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('message', (job) => {
  (job.tflite ? verifyOne(job) : convertOne(job)).then((r) => process.send({ id: job.id, ...r }));
});
process.send({ ready: true });
