/**
 * --quantize dynamic (dynamic-range quantization), as TF's converter writes it (checked on its output for
 * FBNet's Keras twin and a small Conv/TransposeConv/Dense/MatMul model, TF 2.20): the weights of the
 * operators TFLite has hybrid kernels for become symmetric int8, per channel, read directly by the
 * operator (no DEQUANTIZE); the kernel quantizes its float input on the fly and writes float output.
 * Biases and every other constant stay float32. Weights under 1024 elements stay float32 (TF's default
 * threshold: the saving is small and the hybrid kernel's overhead is not).
 *
 *   op                 weight input, per-channel axis
 *   CONV_2D            1 [O,H,W,I], 0
 *   DEPTHWISE_CONV_2D  1 [1,H,W,C], 3
 *   FULLY_CONNECTED    1 [O,I], 0, asymmetric_quantize_inputs
 *   TRANSPOSE_CONV     1 [O,H,W,I], 0
 *   BATCH_MATMUL       1 (constant right operand), per tensor, asymmetric_quantize_inputs
 *
 * Operator versions (hybrid per-channel CONV_2D 5, DEPTHWISE_CONV_2D 6, FULLY_CONNECTED 12, ...) follow
 * from the rewritten graph when it is written (tflite/op-version.ts).
 *
 * (TF also gives a GATHER of a constant table an int8 table and a DEQUANTIZE after the lookup; the
 * converter's Gather takes constant indices only, so a constant table is folded away before this pass.)
 */
import type { TfliteGraph } from '../tflite/model.js';
import type { FloatReason } from './decisions.js';
import { decide, startReport, type QuantizeReport } from './report.js';
import { symmetricInt8 } from './weights.js';

/** TF's dynamic-range quantizer leaves weights with fewer elements in float */
export const MIN_WEIGHT_ELEMENTS = 1024;

interface HybridRule {
  weight: number;
  /** per-channel axis; undefined: one scale for the tensor */
  axis?: number;
  /** the float activation input */
  input: number;
  asymmetricInputs?: boolean;
}

const HYBRID: Record<string, HybridRule> = {
  CONV_2D: { weight: 1, axis: 0, input: 0 },
  DEPTHWISE_CONV_2D: { weight: 1, axis: 3, input: 0 },
  FULLY_CONNECTED: { weight: 1, axis: 0, input: 0, asymmetricInputs: true },
  TRANSPOSE_CONV: { weight: 1, axis: 0, input: 2 },
  BATCH_MATMUL: { weight: 1, input: 0, asymmetricInputs: true },
};

export function quantizeDynamic(graph: TfliteGraph): QuantizeReport {
  const report = startReport('dynamic', graph, { code: 'no-constant-weights' });
  const int8Of = new Map<string, number>(); // "tensor/axis" -> its int8 twin (weights shared by several ops)
  graph.operators.forEach((op, i) => {
    const float = (why: FloatReason) => decide(report, i, { status: 'float', why });
    const floatConsts = op.inputs.filter((t) => t >= 0 && graph.tensors[t]!.data && graph.tensors[t]!.type === 'FLOAT32');
    const rule = HYBRID[op.op];
    if (!rule) {
      if (floatConsts.length) float({ code: 'no-hybrid-kernel', op: op.op });
      return;
    }
    const w = op.inputs[rule.weight]!;
    const wt = w >= 0 ? graph.tensors[w]! : undefined;
    if (!wt?.data || wt.type !== 'FLOAT32') {
      float({ code: 'hybrid-weights-at-run-time' });
      return;
    }
    const input = graph.tensors[op.inputs[rule.input]!]!;
    if (input.type !== 'FLOAT32' || input.data) {
      float(input.data ? { code: 'hybrid-operands-constant' } : { code: 'hybrid-input-not-float', type: input.type });
      return;
    }
    const n = wt.shape.reduce((a, d) => a * d, 1);
    if (n < MIN_WEIGHT_ELEMENTS) {
      float({ code: 'weights-under-threshold', elements: n, threshold: MIN_WEIGHT_ELEMENTS });
      return;
    }
    const key = `${w}/${rule.axis ?? 'tensor'}`;
    let q = int8Of.get(key);
    if (q === undefined) {
      const quant = symmetricInt8(graph.floatValues(w)!, wt.shape, rule.axis);
      q = graph.addInt8Const(`${wt.name}_int8`, wt.shape, quant.values, {
        scale: quant.scale, zeroPoint: quant.zeroPoint, quantizedDimension: quant.quantizedDimension,
      });
      int8Of.set(key, q);
      report.weights.tensors++;
      report.weights.floatBytes += wt.data.length;
      report.weights.quantizedBytes += n;
    }
    op.inputs[rule.weight] = q;
    if (rule.asymmetricInputs && op.options) {
      op.options = { ...op.options, values: { ...op.options.values, asymmetric_quantize_inputs: true } };
    }
    decide(report, i, { status: 'quantized', how: { code: 'hybrid-int8-weights', perChannel: rule.axis !== undefined } });
  });
  graph.removeUnusedTensors();
  return report;
}
