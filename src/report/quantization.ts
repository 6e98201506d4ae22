// All wording of a quantization report (convert --quantize, a QDQ model's int8 file): how each operator
// runs quantized, why one stays float, the notes, what --keep-float decided. The text report and the
// --json document both take their words from here; the data stays codes with their arguments
// (src/convert/quantize/decisions.ts).
import type { FloatReason, KeepFloatReport, OpQuantization, QuantizedAs, QuantizeNote, QuantizeReport } from '../convert/index.js';

/** How a quantized operator runs, in words. */
export function quantizedAsText(how: QuantizedAs): string {
  switch (how.code) {
    case 'int8-weights-per-channel': return `int8, per-channel weights (dimension ${how.axis}), int32 bias`;
    case 'int8-weights-per-tensor': return 'int8, per-tensor weights, int32 bias';
    case 'int8': return 'int8';
    case 'int8-output-at-input-params': return "int8, output at the input's scale and zero point";
    case 'int8-inputs-at-output-params': return "int8, inputs at the output's scale and zero point (requantized where they differ)";
    case 'int8-fixed-output-params': return `int8, output scale 1/${Math.round(1 / how.scale)} and zero point ${how.zeroPoint} (fixed by the kernel)`;
    case 'float16-weights': return 'float16 weights';
    case 'float16-weights-but-one-beyond-range': return 'float16 weights, except a constant beyond float16 range';
    case 'hybrid-int8-weights': return `int8 weights ${how.perChannel ? 'per channel' : 'per tensor'} (hybrid kernel, float activations)`;
  }
}

/**
 * Why an operator stays float, in words. `measured: false` leaves out what was measured on this one
 * operator (a SOFTMAX's calibrated maximum, a clamp's output scale), so operators kept float for the
 * same reason read the same (the int8 zoo table counts them together).
 */
export function floatReasonText(why: FloatReason, opts: { measured?: boolean } = {}): string {
  const measured = opts.measured ?? true;
  switch (why.code) {
    case 'no-int8-kernel': return `TFLite's ${why.op} has no int8 kernel${why.uint8Kernel ? ' (uint8 only)' : ''}`;
    case 'int8-not-implemented': return `int8 ${why.op} is not implemented by this quantizer`;
    case 'cast-left-as-is': return 'CAST converts between non-float types and is left as it is';
    case 'row-normalization':
      return "part of a LayerNorm (MEAN, SUB, MUL, MEAN, ADD eps, RSQRT, MUL): it scales each row to unit variance, so a row much smaller than the tensor's largest (a ViT's class token) would come out with the relative error of its input's one per-tensor int8 step";
    case 'residual-stream-into-float-layernorm':
      return 'only float operators read it (the residual stream into a float LayerNorm): its int8 output would add a rounding and save nothing';
    case 'softmax-coarse':
      return "its calibrated outputs use under a quarter of the 256 steps of int8 SOFTMAX's fixed output scale 1/256" +
        (measured ? ` (calibrated max ${why.max.toPrecision(3)}: ${Math.round(why.max * 256)} steps)` : '') +
        '; float, its output is quantized at its own calibrated range (255 steps)';
    case 'clamp-bound-rounds-to-zero':
      return `its constant operand ${why.bound.toPrecision(3)} rounds to 0 on the output's int8 grid${measured ? ` (scale ${why.scale.toPrecision(3)})` : ''}: ` +
        `in int8 ${why.op} could no longer keep its output off 0 (x / max(norm, eps) would divide by 0)`;
    case 'no-float-input': return `${why.op} reads no float activation`;
    case 'non-float-output': return `${why.op} writes a ${why.type} tensor`;
    case 'no-calibrated-range': return `no calibrated range for '${why.tensor}'`;
    case 'constant-operand': return `int8 ${why.op} with a constant operand is not implemented by this quantizer (run-time operands on both sides are)`;
    case 'input-not-float': return `${why.op} input is not a float activation`;
    case 'weights-at-run-time': return `${why.op} weights are computed at run time (int8 needs constant weights)`;
    case 'bias-at-run-time': return `${why.op} bias is computed at run time`;
    case 'kept-by-name': return `kept float by --keep-float ${why.name}`;
    case 'kept-auto':
      return (why.groupSize === undefined
        ? `kept float by --keep-float auto: alone in int8 it takes the output to ${why.damageDb.toFixed(1)} dB SQNR (rank ${why.rank} of ${why.candidates} by damage); `
        : `kept float by --keep-float auto: its run of ${why.groupSize} consecutive operators alone in int8 takes the output to ${why.damageDb.toFixed(1)} dB SQNR (rank ${why.rank} of ${why.candidates} by damage, measured as a group); `) +
        `with the ${why.kept} most damaging float, agreement on ${why.checkSamples} check samples ${why.agreement.toFixed(3)} (all int8: ${why.allInt8Agreement.toFixed(3)})`;
    case 'kept-to-measure': return 'kept float while --keep-float auto measures';
    case 'qdq-no-params': return `the QDQ model gives no params for '${why.tensor}'`;
    case 'qdq-output-params-differ': return `the QDQ model gives its output other params than its input; TFLite's int8 ${why.op} keeps the input's`;
    case 'qdq-fixed-output-params-differ':
      return `the QDQ model gives its output scale ${why.scale} and zero point ${why.zeroPoint}; TFLite's int8 ${why.op} writes scale 1/${Math.round(1 / why.kernelScale)}, zero point ${why.kernelZeroPoint}`;
    case 'qdq-constant-float': return `the constant '${why.tensor}' is float in the QDQ model`;
    case 'qdq-constant-per-axis': return `the constant '${why.tensor}' is quantized per axis`;
    case 'qdq-constant-off-grid': return `the constant '${why.tensor}' is not on its quantization grid any more (changed by folding)`;
    case 'qdq-weights-zero-point': return `weights '${why.tensor}' have a non-zero zero point`;
    case 'qdq-weights-axis':
      return `weights '${why.tensor}' are quantized along axis ${why.axis}, not along the output channels (axis ${why.outputAxis}); TFLite's int8 ${why.op} takes per-channel scales along its output channels only`;
    case 'qdq-inexact-int8-kernel':
      return `TFLite's int8 ${why.op} approximates in fixed point (up to a few steps off the exact value); float computes what the QDQ model computes`;
    case 'no-float-constants': return 'no float constants (activations stay float32)';
    case 'constant-beyond-float16': return 'a constant beyond float16 range stays float32';
    case 'no-constant-weights': return 'no constant weights';
    case 'no-hybrid-kernel': return `TFLite has no hybrid (int8-weight) kernel for ${why.op}; its constants stay float32`;
    case 'hybrid-weights-at-run-time': return 'the weights are computed at run time';
    case 'hybrid-operands-constant': return 'both operands are constants';
    case 'hybrid-input-not-float': return `the input is ${why.type}`;
    case 'weights-under-threshold': return `weights have ${why.elements} elements, under ${why.threshold} (TF's threshold)`;
  }
}

/** One operator's decision in words: how it is quantized, or why it stays float. */
export function opDecisionText(o: OpQuantization): string {
  return o.status === 'quantized' ? quantizedAsText(o.how) : floatReasonText(o.why);
}

/** What --keep-float did, in one line (each kept operator's own reason is in the report's ops). */
export function keepFloatText(k: KeepFloatReport): string {
  if (k.mode === 'names') return `--keep-float: ${k.kept.length} operator(s) kept float by name`;
  const pct = (x: number) => x.toFixed(3);
  const head = `--keep-float auto (target agreement ${k.target}, ${k.checkSamples} calibration samples set aside to judge; ${k.modelsTried} int8 models tried in ${k.seconds!.toFixed(1)} s): all int8 agrees ${pct(k.allInt8!.agreement)} (${k.allInt8!.sqnrDb.toFixed(1)} dB)`;
  if (k.reached) return k.kept.length ? `${head}; ${k.kept.length} of ${k.candidates} error-adding operators kept float: ${pct(k.chosen!.agreement)} (${k.chosen!.sqnrDb.toFixed(1)} dB)` : `${head}: nothing more kept float`;
  return `${head}; NOT reached with ${k.atCap!.kept} of ${k.candidates} error-adding operators float (${pct(k.atCap!.agreement)}, ${k.atCap!.sqnrDb.toFixed(1)} dB), so none is kept float for it; ` +
    `the float model itself on the check inputs rounded to the int8 input grid agrees ${pct(k.inputRounding!.agreement)}${k.inputRounding!.agreement < k.target! ? ' (under the target: the input rounding alone breaks it)' : ''}`;
}

/** One note of report `q` in words. */
export function quantizeNoteText(note: QuantizeNote, q: Pick<QuantizeReport, 'keepFloat'>): string {
  switch (note.code) {
    case 'calibrated': return `calibrated on ${note.samples} samples from ${note.source}`;
    case 'bias-corrected':
      return `bias correction: ${note.operators} weighted operators' biases moved by -(W_int8 - W) . E[input] (the int8 weights' rounding shift, input means from the calibration runs)`;
    case 'calibration-warning': return `WARNING: ${note.warning}`;
    case 'keep-float': return q.keepFloat ? keepFloatText(q.keepFloat) : '--keep-float (no decision recorded)';
    case 'requantized': return `${note.operators} int8 -> int8 QUANTIZE (requantize) where a kernel needs its input at its output's scale`;
    case 'int8-io': return `${note.kind} '${note.name}': int8, scale ${note.scale}, zero point ${note.zeroPoint} (real = (q - zero point) x scale)`;
    case 'beyond-float16': return `'${note.tensor}' holds ${note.max.toPrecision(6)}, beyond float16's range; kept float32`;
    case 'qdq-params':
      return "int8 where the QDQ pairs give an operator's inputs and outputs params a TFLite int8 kernel computes with, float elsewhere (as the QDQ model computes there)";
  }
}

/** The text report's lines on a quantization: counts, the float operators grouped by reason, the notes. */
export function quantizationText(q: QuantizeReport): string {
  const quantized = q.ops.filter((o) => o.status === 'quantized').length;
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const added = Object.entries(q.addedOps).map(([k, v]) => `${k} x${v}`).join(', ');
  const why = new Map<string, number>();
  for (const o of q.ops) {
    if (o.status !== 'float') continue;
    const text = floatReasonText(o.why);
    why.set(text, (why.get(text) ?? 0) + 1);
  }
  return `  quantized (${q.mode}): ${quantized} of ${q.ops.length} operators; ${q.weights.tensors} constants ${mb(q.weights.floatBytes)} -> ${mb(q.weights.quantizedBytes)}` +
    (added ? `; added ${added}` : '') + '\n' +
    [...why].map(([reason, n]) => `  kept float: ${n} x ${reason}\n`).join('') +
    q.notes.map((n) => `  note: ${quantizeNoteText(n, q)}\n`).join('');
}

/**
 * The report as --json writes it: the data as it is (codes with their arguments) and, for readers, each
 * decision's and note's words beside it (`detail`, `text`).
 */
export function quantizationDocument(q: QuantizeReport): Record<string, unknown> {
  return {
    ...q,
    ops: q.ops.map((o) => ({ ...o, detail: opDecisionText(o) })),
    notes: q.notes.map((n) => ({ ...n, text: quantizeNoteText(n, q) })),
    ...(q.keepFloat ? { keepFloat: { ...q.keepFloat, kept: q.keepFloat.kept.map((k) => ({ ...k, detail: floatReasonText(k.why) })) } } : {}),
  };
}
