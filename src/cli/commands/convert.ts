import type { Command } from 'commander';
// the converter (55 lowerings) loads only when convert runs, keeping other commands' start-up lean
import type { QuantizeOptions, TfliteParts, convertFileToParts as ConvertFileToParts } from '../../convert/index.js';
import type { InputSizes } from '../../onnx/input-sizes.js';
import type { VerifyOptions, VerifyResult } from '../../verify/index.js';
import type { QuantizedVerifyOptions, QuantizedVerifyResult } from '../../verify/quantized.js';
import type { QdqVerifyOptions, QdqVerifyResult } from '../../verify/qdq.js';
import { convertDocument, convertText, refusedDocument, type FloatVerifyOutcome } from '../../report/convert.js';
import { CALIBRATION_REQUIRED } from '../../convert/quantize/calibration.js';
import { writeReplacingSync } from '../../util/atomic-write.js';
import { ExitCode, UserError } from '../../util/errors.js';
import { writeStdout } from '../stdout.js';

interface ConvertFlags {
  output?: string;
  nhwc?: boolean;
  gatherShuffles?: boolean;
  json?: boolean;
  verify?: boolean;
  tolerance?: string;
  batch?: string;
  dim?: string;
  quiet?: boolean;
  quantize?: string;
  calibration?: string;
  io?: string;
  minAgreement?: string;
  minSqnr?: string;
  samples?: string;
  keepFloat?: string;
}

// the modes as data here too: importing them from convert/ would load the converter for every command
const MODES = ['float16', 'dynamic', 'int8'];
const IO = ['float', 'int8'];

export interface QuantizeFlags {
  quantize?: QuantizeOptions;
  /** --io int8 without --quantize: for a QDQ model's own inputs/outputs (convertFile refuses it on a float model) */
  io?: 'int8';
  /** pass thresholds of --verify on a quantized model */
  minAgreement: number;
  minSqnr?: number;
  /** held-out inputs the quantized verification runs (default: the verifier's) */
  samples?: number;
}

/** --quantize, --calibration, --io, --min-agreement, --min-sqnr: checked together, one line per mistake. */
export function parseQuantizeFlags(flags: ConvertFlags): QuantizeFlags {
  const mode = flags.quantize;
  if (mode !== undefined && !MODES.includes(mode)) throw new UserError(`--quantize must be one of ${MODES.join(', ')}; got '${mode}'`);
  if (flags.calibration !== undefined && mode !== 'int8') throw new UserError('--calibration applies to --quantize int8 only');
  if (flags.calibration === '') throw new UserError('--calibration needs a .npy/.npz file, a folder of them, or `random`');
  if (flags.io !== undefined && !IO.includes(flags.io)) throw new UserError(`--io must be float or int8; got '${flags.io}'`);
  if (flags.io === 'int8' && mode !== undefined && mode !== 'int8') throw new UserError(`--io int8 applies to --quantize int8 or a QDQ model, not --quantize ${mode}`);
  if (mode === 'int8' && flags.calibration === undefined) throw new UserError(CALIBRATION_REQUIRED);
  if (flags.keepFloat !== undefined && mode !== 'int8') throw new UserError('--keep-float applies to --quantize int8 only');
  const keepNames = flags.keepFloat === undefined ? undefined : flags.keepFloat.split(',').map((n) => n.trim()).filter((n) => n);
  if (keepNames && keepNames.length === 0) throw new UserError('--keep-float needs `auto` or operator names (the outputs the quantization report lists, or TFLite ops such as SOFTMAX)');
  const auto = keepNames?.includes('auto');
  if (auto && keepNames!.length > 1) throw new UserError('--keep-float auto chooses by itself: give `auto` or names, not both');
  const thresholds = flags.minSqnr !== undefined || flags.samples !== undefined;
  if (thresholds && !(mode && flags.verify)) throw new UserError('--min-sqnr and --samples apply to --verify of a quantized model (add --quantize and --verify)');
  if (flags.minAgreement !== undefined && !(mode && (flags.verify || auto))) throw new UserError('--min-agreement applies to --verify of a quantized model and to --keep-float auto (add --quantize and --verify or --keep-float auto)');
  const samples = flags.samples === undefined ? undefined : positiveInt(flags.samples, '--samples');
  const minAgreement = flags.minAgreement === undefined ? 0.98 : Number(flags.minAgreement);
  if (!(minAgreement >= 0 && minAgreement <= 1)) throw new UserError(`--min-agreement must be a number in [0, 1]; got '${flags.minAgreement}'`);
  const minSqnr = flags.minSqnr === undefined ? undefined : Number(flags.minSqnr);
  if (minSqnr !== undefined && (flags.minSqnr!.trim() === '' || !Number.isFinite(minSqnr))) throw new UserError(`--min-sqnr must be a number of dB; got '${flags.minSqnr}'`);
  if (flags.tolerance !== undefined && mode) throw new UserError('--tolerance applies to float conversions; a quantized model is judged by --min-agreement / --min-sqnr');
  return {
    ...(mode ? {
      quantize: {
        mode: mode as QuantizeOptions['mode'],
        ...(flags.calibration !== undefined ? { calibration: flags.calibration } : {}),
        ...(flags.io !== undefined ? { io: flags.io as 'float' | 'int8' } : {}),
        ...(keepNames ? { keepFloat: auto ? { auto: { minAgreement } } : { names: keepNames } } : {}),
      },
    } : {}),
    ...(!mode && flags.io === 'int8' ? { io: 'int8' as const } : {}),
    minAgreement,
    ...(minSqnr !== undefined ? { minSqnr } : {}),
    ...(samples !== undefined ? { samples } : {}),
  };
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

/** Writes next to the target and renames, so a failed run never leaves a partial .tflite. */
function writeOutput(path: string, file: TfliteParts): void {
  try {
    // the pieces go out with writev: the constants are written from the converter's own arrays; an old
    // file goes just before the rename (a rename over it costs the whole file's writeback on ext4)
    writeReplacingSync(path, file.parts);
  } catch (err) {
    throw new UserError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface VerifyModule {
  verifyConversion: (o: string, t: string, opts?: VerifyOptions) => Promise<VerifyResult>;
  verifyQuantized: (o: string, t: string, opts?: QuantizedVerifyOptions) => Promise<QuantizedVerifyResult>;
  verifyQdq: (o: string, t: string, opts: QdqVerifyOptions) => Promise<QdqVerifyResult>;
}

async function loadVerify(): Promise<VerifyModule> {
  try {
    // imported lazily: the runtimes (onnxruntime-node, @litertjs/core) are only needed for --verify
    return (await import('../../verify/index.js')) as VerifyModule;
  } catch (err) {
    throw new UserError(`--verify is unavailable: ${(err as Error).message}`);
  }
}

/** --dim sequence=128,past=0: symbolic dimension name -> size. */
function parseDims(text: string): Map<string, number> {
  const dims = new Map<string, number>();
  for (const part of text.split(',').filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw new UserError(`--dim takes NAME=SIZE pairs separated by commas, got '${part}'`);
    dims.set(part.slice(0, eq), positiveInt(part.slice(eq + 1), `--dim ${part.slice(0, eq)}`));
  }
  return dims;
}

/** Adds convert's arguments, options and action to the command the table created (src/cli/command-table.ts). */
export function define(cmd: Command): void {
  cmd
    .argument('<model>', 'the .onnx file (external data beside it is read too)')
    .option('-o, --output <file>', 'the .tflite to write (default: the model name with .tflite)')
    .option('--nhwc', "make the .tflite's own 4-D inputs/outputs NHWC (default: keep ONNX's NCHW signature)")
    .option('--gather-shuffles', 'write each channel shuffle (Reshape-Transpose-Reshape) as one GATHER: fewer ops, but XNNPACK does not delegate GATHER')
    .option('--batch <n>', 'value for a symbolic batch dimension (default 1)')
    .option('--dim <name=n,...>', "sizes for symbolic dimensions by name, e.g. --dim sequence=128 (torch's dynamic axes)")
    .option('--json', 'print the summary as JSON on stdout')
    .option('--verify', 'run ONNX (onnxruntime) and the .tflite (LiteRT) on seeded random inputs and compare')
    .option('--tolerance <x>', 'with --verify: max abs error allowed (default 1e-4 x max(1, max|output|))')
    .option('--quantize <mode>', 'post-training quantization: float16 (fp16 weights), dynamic (int8 weights, float activations) or int8 (full integer)')
    .option('--calibration <data>', 'with --quantize int8: samples for activation ranges (.npy/.npz, a folder of them, or `random`)')
    .option('--io <type>', 'with --quantize int8, or for a QDQ model: the .tflite\'s own inputs/outputs are float (default) or int8')
    .option('--keep-float <ops>', "with --quantize int8: keep these operators float (output names as the report lists them, or TFLite ops such as SOFTMAX), or `auto`: the fewest that reach --min-agreement on calibration samples set aside")
    .option('--min-agreement <x>', 'with --verify of a quantized model: least top-1 agreement with the float model (default 0.98); with --keep-float auto, its target')
    .option('--min-sqnr <db>', 'with --verify of a quantized model: least signal-to-quantization-noise ratio in dB')
    .option('--samples <n>', 'with --verify of a quantized model: how many held-out seeded inputs (default 50)')
    .option('-q, --quiet', 'no progress on stderr (warnings still show)')
    .action(async (model: string, flags: ConvertFlags) => {
      const out = flags.output ?? model.replace(/\.onnx$/i, '') + '.tflite';
      const tol = flags.tolerance !== undefined ? Number(flags.tolerance) : undefined;
      if (tol !== undefined && !(tol >= 0)) throw new UserError(`--tolerance must be a non-negative number, got '${flags.tolerance}'`);
      const batch = flags.batch !== undefined ? positiveInt(flags.batch, '--batch') : undefined;
      const dims = flags.dim !== undefined ? parseDims(flags.dim) : undefined;
      // the sizes the conversion gives symbolic dims; every verifier feeds the same
      const sizes: InputSizes = { ...(batch ? { batch } : {}), ...(dims ? { dims } : {}) };
      const quant = parseQuantizeFlags(flags);
      // -q silences progress, not warnings: a warning (random calibration ranges) is about the result's validity
      const progress = (msg: string) => {
        if (!flags.quiet || msg.startsWith('WARNING: ')) process.stderr.write(`convert: ${msg}\n`);
      };
      const { ConversionRefused, convertFileToParts } = await import('../../convert/index.js');
      let converted: Awaited<ReturnType<typeof ConvertFileToParts>>;
      try {
        converted = await convertFileToParts(model, {
          nhwc: !!flags.nhwc, ...(flags.gatherShuffles ? { gatherShuffles: true } : {}), ...sizes,
          onProgress: progress, ...(quant.quantize ? { quantize: quant.quantize } : {}), ...(quant.io ? { io: quant.io } : {}),
        });
      } catch (err) {
        // --json callers get the blockers as data too (the one-line error still goes to stderr)
        if (flags.json && err instanceof ConversionRefused) {
          writeStdout(JSON.stringify(refusedDocument(model, err), null, 2) + '\n');
        }
        throw err;
      }
      const { file, summary } = converted;
      if (summary.readAs === 'qdq' && tol !== undefined) throw new UserError('--tolerance applies to float models; a QDQ model is verified in quantization steps of its outputs (within one)');
      writeOutput(out, file);
      let verify: FloatVerifyOutcome | undefined;
      let quantVerify: QuantizedVerifyResult | undefined;
      let qdqVerify: QdqVerifyResult | undefined;
      if (flags.verify && summary.readAs === 'qdq') {
        progress('verifying against onnxruntime running the QDQ model itself (as written, and on its integer kernels) ...');
        qdqVerify = await (await loadVerify()).verifyQdq(model, out, {
          nhwc: !!flags.nhwc, steps: Object.fromEntries((summary.qdqOutputs ?? []).map((o) => [o.name, o.scale])), ...sizes,
        });
      } else if (flags.verify && quant.quantize) {
        progress('verifying the quantized model against the float ONNX model (onnxruntime) ...');
        quantVerify = await (await loadVerify()).verifyQuantized(model, out, {
          nhwc: !!flags.nhwc, minAgreement: quant.minAgreement, ...(quant.minSqnr !== undefined ? { minSqnr: quant.minSqnr } : {}),
          ...(quant.samples !== undefined ? { samples: quant.samples } : {}), ...sizes,
        });
      } else if (flags.verify) {
        progress('verifying against onnxruntime ...');
        const v = await (await loadVerify()).verifyConversion(model, out, { nhwc: !!flags.nhwc, ...sizes });
        const tolerance = tol ?? v.tolerance;
        verify = { ...v, tolerance, pass: (v.problems ?? []).length === 0 && v.maxAbs <= tolerance };
      }
      const outcome = {
        output: out, summary, ...(verify ? { verify } : {}), ...(quantVerify ? { quantizedVerify: quantVerify } : {}), ...(qdqVerify ? { qdqVerify } : {}),
      };
      writeStdout(flags.json ? JSON.stringify(convertDocument(outcome), null, 2) + '\n' : convertText(outcome));
      if ((verify && !verify.pass) || (quantVerify && !quantVerify.pass) || (qdqVerify && !qdqVerify.pass)) process.exitCode = ExitCode.Findings;
    });
}
