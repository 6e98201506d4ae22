/**
 * Reads a QDQ-quantized model (QuantizeLinear -> DequantizeLinear around float ops, as onnxruntime's
 * static quantizer and torch's PT2E flow write it). Each activation pair becomes the int8 params of
 * the float value it quantizes (ir.qdq.activations) and the DequantizeLinear an Identity of that value,
 * so the float graph lowers as usual and the int8 pass (quantize/qdq.ts) writes the int8 model with the
 * model's own params instead of calibrated ones. DequantizeLinear of int8/uint8 initializers folds to
 * float constants later (lowerings/dequantize-linear.ts); their params are kept (ir.qdq.constants).
 * Runs before inferAndFold (it needs the DequantizeLinear nodes of constants before they fold).
 *
 * uint8 maps to int8 exactly (q - 128 with zero point - 128: same real values, same rounding, same
 * clamping). What TFLite's int8 kernels cannot express exactly is a blocker: per-axis activations,
 * 16-bit or other types, weights with a non-zero (int8) zero point, integer (QOperator) ops.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { ConstTensor } from '../../onnx/tensor.js';
import { NodeRefusal, type Blocker, type Int8Annotation, type IrGraph, type IrNode, type Refusal } from '../ir.js';
import { refusal } from '../refusals.js';
import { qdqParams, type QdqParams } from '../qdq.js';

/** Integer ops of onnxruntime's QOperator format (and the dynamic-quantization ops) */
const QOPERATOR_OPS = new Set([
  'QLinearConv', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger', 'DynamicQuantizeLinear', 'QLinearAdd', 'QLinearMul',
  'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat', 'QLinearSigmoid', 'QLinearLeakyRelu',
  'QLinearSoftmax', 'QLinearReduceMean', 'QLinearWhere', 'QGemm', 'QAttention', 'DynamicQuantizeMatMul', 'DynamicQuantizeLSTM',
]);

/** ops whose input 1 is a weight tensor TFLite's int8 kernels need symmetric (zero point 0) */
const WEIGHTED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** The value of a Constant node holding a tensor or float(s) (what scales and zero points use). */
function constantNodeValue(n: IrNode | undefined): ConstTensor | undefined {
  if (!n || n.op !== 'Constant' || n.domain) return undefined;
  const t = n.tensorAttrs?.get('value');
  if (t) return t;
  const a = n.attrs.get('value_float') ?? n.attrs.get('value_floats');
  if (a?.type === 'float') return { dtype: OnnxDataType.FLOAT, shape: [], data: Float32Array.of(a.value) };
  if (a?.type === 'floats') return { dtype: OnnxDataType.FLOAT, shape: [a.value.length], data: Float32Array.from(a.value) };
  return undefined;
}

/** int8 params of int8/uint8 QDQ params (uint8 shifted by -128), undefined for other types */
function asInt8(p: QdqParams): Int8Annotation | undefined {
  const shift = p.qtype === OnnxDataType.UINT8 ? 128 : p.qtype === OnnxDataType.INT8 ? 0 : undefined;
  if (shift === undefined) return undefined;
  return { scale: p.scale, zeroPoint: p.zeroPoint.map((z) => z - shift), ...(p.axis !== undefined ? { axis: p.axis } : {}) };
}

const sameAnnotation = (a: Int8Annotation, b: Int8Annotation) =>
  a.scale.length === b.scale.length && a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]) && a.axis === b.axis;

export function readQdq(ir: IrGraph, blockers: Blocker[]): void {
  const block = (n: IrNode, why: Refusal) => {
    blockers.push({ node: n.name, op: n.op, ...(n.since ? { version: n.since } : {}), ...why });
    // reported once: inference skips a blocked Q/DQ node (and what depends on it)
    if (n.op === 'DequantizeLinear' || n.op === 'QuantizeLinear') n.since = 0;
  };
  for (const n of ir.nodes) {
    if (!QOPERATOR_OPS.has(n.op)) continue;
    // a custom-domain QOperator op is already blocked for its domain: say what it is instead
    const i = blockers.findIndex((b) => b.node === n.name && b.op === `${n.domain}:${n.op}`);
    if (i >= 0) blockers[i] = { ...blockers[i]!, ...refusal('qoperator') };
    else block(n, refusal('qoperator'));
    n.since = 0;
  }
  const dqs = ir.nodes.filter((n) => n.op === 'DequantizeLinear' && !n.domain && n.since);
  if (!dqs.length) return;
  const producer = new Map<string, IrNode>();
  for (const n of ir.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  // scales and zero points are initializers (onnxruntime) or Constant nodes (torch's exporters): this
  // pass runs before Constant nodes fold
  const constOf = (name: string) => ir.values.get(name)?.const ?? constantNodeValue(producer.get(name));
  const qdq = { activations: new Map<string, Int8Annotation>(), constants: new Map<string, Int8Annotation>(), outputs: new Map<string, Int8Annotation>(), pairs: 0 };
  const paired = new Set<IrNode>();

  for (const dq of dqs) {
    const x = dq.inputs[0]!;
    const xc = constOf(x);
    try {
      if (xc) {
        const p = qdqParams(dq, { const: constOf }, xc.shape.length, xc.dtype);
        const a = asInt8(p);
        if (a) qdq.constants.set(dq.outputs[0]!, a);
        continue;
      }
      const q = producer.get(x);
      if (!q || q.op !== 'QuantizeLinear' || q.domain) {
        block(dq, refusal('dq-unpaired'));
        continue;
      }
      const scalar = (n: IrNode) => (constOf(n.inputs[1] ?? '')?.data.length ?? 1) === 1 && (constOf(n.inputs[1] ?? '')?.shape.length ?? 0) <= 1;
      if (!scalar(q) || !scalar(dq)) {
        block(dq, refusal('qdq-per-axis-activation', { value: q.inputs[0]! }));
        continue;
      }
      const pq = qdqParams(q, { const: constOf }, 0, OnnxDataType.UINT8);
      const pd = qdqParams(dq, { const: constOf }, 0, pq.qtype);
      const aq = asInt8(pq);
      const ad = asInt8(pd);
      if (!aq || !ad) {
        block(dq, refusal('qdq-activation-type', { dtype: pq.qtype }));
        continue;
      }
      if (!sameAnnotation(aq, ad) || pq.qtype !== pd.qtype) {
        block(dq, refusal('qdq-params-differ', { quantize: aq, dequantize: ad }));
        continue;
      }
      const v = q.inputs[0]!;
      const known = qdq.activations.get(v);
      if (known && !sameAnnotation(known, aq)) {
        block(dq, refusal('qdq-quantized-twice', { value: v, first: known, second: aq }));
        continue;
      }
      qdq.activations.set(v, aq);
      if (ir.outputs.includes(dq.outputs[0]!)) qdq.outputs.set(dq.outputs[0]!, aq);
      paired.add(q);
      // the pair is the identity on the float value; its params are now ir.qdq's
      dq.op = 'Identity';
      dq.since = 13;
      dq.inputs = [v];
      dq.attrs = new Map();
      qdq.pairs++;
    } catch (err) {
      if (!(err instanceof NodeRefusal)) throw err;
      block(dq, err.refusal);
    }
  }
  // a QuantizeLinear whose every reader became an Identity is gone; others stay (and are refused)
  const read = new Set<string>(ir.outputs);
  for (const n of ir.nodes) for (const i of n.inputs) if (i) read.add(i);
  ir.nodes = ir.nodes.filter((n) => !paired.has(n) || n.outputs.some((o) => o && read.has(o)));
  for (const n of ir.nodes) {
    if (n.op === 'QuantizeLinear' && !n.domain && n.since && !constOf(n.inputs[0] ?? '')) {
      block(n, refusal('q-unpaired'));
    }
  }

  for (const n of ir.nodes) {
    if (!WEIGHTED_OPS.has(n.op) || n.domain) continue;
    const w = n.inputs[1];
    const a = w ? qdq.constants.get(w) : undefined;
    if (!a || a.zeroPoint.every((z) => z === 0)) continue;
    const dq = producer.get(w!)!;
    const qtype = constOf(dq.inputs[0]!)?.dtype;
    const zps = [...new Set(a.zeroPoint.map((z) => (qtype === OnnxDataType.UINT8 ? z + 128 : z)))];
    block(n, refusal('qdq-asymmetric-weights', { weights: w!, dtype: qtype ?? 0, zeroPoints: zps }));
  }
  ir.qdq = qdq;
  ir.notes.push({ code: 'qdq-read', pairs: qdq.pairs, constants: qdq.constants.size });
}
