// convert's report for people (text) and for machines (--json): the summary of the written .tflite,
// what --quantize did, and the verdict of --verify (float, quantized or QDQ). Pure functions from the
// converter's and the verifiers' typed results to strings; the CLI picks one and writes it.
import type { ConvertNote, ConvertSummary } from '../convert/index.js';
import type { Blocker } from '../convert/ir.js';
import type { VerifyResult } from '../verify/index.js';
import type { QdqReferenceResult, QdqVerifyResult } from '../verify/qdq.js';
import type { QuantizedVerifyResult } from '../verify/quantized.js';
import { quantizationDocument, quantizationText } from './quantization.js';
import { blockerDocument } from './refusal.js';

/** A float conversion's --verify verdict, with the tolerance the CLI judged it by. */
export type FloatVerifyOutcome = Pick<VerifyResult, 'maxAbs' | 'maxRel' | 'maxRef' | 'tolerance' | 'pass' | 'runtime'> & { problems?: string[] };

/** What one `tfdoctor convert` run produced: the file written, its summary, and at most one verdict. */
export interface ConvertOutcome {
  output: string;
  summary: ConvertSummary;
  verify?: FloatVerifyOutcome;
  quantizedVerify?: QuantizedVerifyResult;
  qdqVerify?: QdqVerifyResult;
}

const db = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} dB` : x > 0 ? 'inf dB (identical)' : '-inf dB');

/** The words of one conversion note (the only place they are worded). */
export function convertNoteText(n: ConvertNote): string {
  switch (n.code) {
    case 'symbolic-batch':
      return `input '${n.input}': symbolic batch dimension ${n.dim === null ? '?' : `'${n.dim}'`} taken as ${n.size}`;
    case 'qdq-read':
      return `read as a QDQ model: ${n.pairs} QuantizeLinear -> DequantizeLinear pairs on activations, ${n.constants} quantized constants; their scales and zero points replace calibration`;
    case 'named-dim':
      return `input '${n.input}': dimension '${n.dim}' set to ${n.size}`;
    case 'int64-input-as-int32':
      return `input '${n.input}': int64 in the ONNX model, int32 in the .tflite (the same values for every id or mask that fits int32)`;
    case 'int64-arithmetic-in-int32':
      return `int64 arithmetic on ${n.inputs.map((i) => `'${i}'`).join(', ')} is computed in int32: exact while every value of ${n.inputs.length === 1 ? 'it' : 'each'} is within ` +
        `[-${n.bound}, ${n.bound}] (0/1 masks are); beyond, ${n.nodes.map((x) => `'${x}'`).join(', ')} can overflow int32`;
  }
}

function summaryText(out: string, s: ConvertSummary): string {
  const ops = Object.entries(s.opCounts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} x${v}`).join(', ');
  const io = (xs: { name: string; shape: number[] }[]) => xs.map((x) => `${x.name} [${x.shape.join(',')}]`).join(', ');
  return `wrote ${out}: ${s.opsOut} TFLite ops from ${s.opsIn} ONNX nodes, ${s.tensors} tensors, ${s.bytes} bytes, ${s.ms.toFixed(0)} ms\n` +
    `  ops: ${ops}\n  inputs: ${io(s.inputs)}\n  outputs: ${io(s.outputs)}\n` +
    (s.notes ?? []).map((n) => `  note: ${convertNoteText(n)}\n`).join('');
}

function floatBoundaryText(b: { inputs: string[]; outputs: string[] } | undefined): string {
  if (!b) return '';
  const names = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  const what = [b.inputs.length ? `input ${names(b.inputs)} fed through QUANTIZE` : '', b.outputs.length ? `output ${names(b.outputs)} read through DEQUANTIZE` : ''].filter(Boolean).join(', ');
  return `  note: LiteRT.js takes no int8 tensors: the file ran with a float boundary (${what}, each with the tensor's own scale and zero point); the graph inside is the file's own\n`;
}

function quantizedVerifyText(v: QuantizedVerifyResult): string {
  return `verify: ${v.pass ? 'PASS' : 'FAIL'} vs the float ONNX model on ${v.samples} held-out inputs: ` +
    (v.top1Agreement !== undefined ? `top-1 agreement ${v.top1Agreement.toFixed(3)} (min ${v.thresholds.minAgreement}), ` : '') +
    `SQNR ${db(v.sqnrDb)}${v.thresholds.minSqnr !== undefined ? ` (min ${v.thresholds.minSqnr})` : ''}, cosine ${v.cosine.toFixed(5)}, ` +
    `max abs error ${v.maxAbs.toExponential(2)} (max |output| ${v.maxRef.toPrecision(4)}); ${v.runtime}\n` +
    floatBoundaryText(v.floatBoundary) +
    v.problems.map((p) => `  problem: ${p}\n`).join('');
}

function qdqVerifyText(v: QdqVerifyResult): string {
  const line = (r: QdqReferenceResult) => r.outputs.map((o) => (o.maxSteps !== undefined
    ? `'${o.name}' max error ${o.maxSteps.toFixed(0)} step${Math.round(o.maxSteps) === 1 ? '' : 's'} of ${o.step!.toPrecision(4)} (${(100 * o.exact!).toFixed(2)} % of elements equal)`
    : `'${o.name}' (float) max abs error ${o.maxAbs.toExponential(2)}`)).join('; ');
  return `verify: ${v.pass ? 'PASS' : 'FAIL'} within one quantization step of onnxruntime running the QDQ model, on ${v.runs} seeded inputs (either execution); ${v.runtime}\n` +
    v.references.map((r) => `  ${r.pass ? 'within' : 'beyond'} one step of its ${r.reference} execution (${r.describe}): ${line(r)}\n` +
      r.problems.map((p) => `    ${v.pass ? 'note' : 'problem'}: ${p}\n`).join('')).join('') +
    floatBoundaryText(v.floatBoundary);
}

function floatVerifyText(v: FloatVerifyOutcome): string {
  return `verify: ${v.pass ? 'PASS' : 'FAIL'} max abs error ${v.maxAbs.toExponential(2)} (tolerance ${v.tolerance.toExponential(2)}, ` +
    `max |output| ${v.maxRef.toPrecision(4)}, max rel ${v.maxRel.toExponential(2)}); ${v.runtime}\n` +
    (v.problems ?? []).map((p) => `  problem: ${p}\n`).join('');
}

/** The text report: the summary, what --quantize did, then the --verify verdict. */
export function convertText(o: ConvertOutcome): string {
  return summaryText(o.output, o.summary) +
    (o.summary.quantization ? quantizationText(o.summary.quantization) : '') +
    (o.quantizedVerify ? quantizedVerifyText(o.quantizedVerify) : '') +
    (o.qdqVerify ? qdqVerifyText(o.qdqVerify) : '') +
    (o.verify ? floatVerifyText(o.verify) : '');
}

/**
 * The --json document: the summary, the quantization report with each code's words beside it, the verdict
 * (JSON has no Infinity: an SQNR of identical outputs is written as null).
 */
export function convertDocument(o: ConvertOutcome): Record<string, unknown> {
  const verify = o.quantizedVerify ? { kind: 'quantized', ...o.quantizedVerify } : o.qdqVerify ? { kind: 'qdq', ...o.qdqVerify } : o.verify;
  const { quantization } = o.summary;
  const notes = o.summary.notes?.map((n) => ({ ...n, text: convertNoteText(n) }));
  return { output: o.output, ...o.summary, ...(notes ? { notes } : {}), ...(quantization ? { quantization: quantizationDocument(quantization) } : {}), ...(verify ? { verify } : {}) };
}

/**
 * The --json document of a refused conversion: its blockers as data (code and arguments) with each one's
 * words beside them (the one-line error goes to stderr).
 */
export function refusedDocument(model: string, refused: { blockers: Blocker[]; suggestedRoute?: unknown }): Record<string, unknown> {
  return { refused: true, model, blockers: refused.blockers.map(blockerDocument), suggestedRoute: refused.suggestedRoute };
}
