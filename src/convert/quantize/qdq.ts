/**
 * A QDQ-quantized ONNX model written as an int8 .tflite: the int8 pass (int8.ts) over the float graph
 * with the model's own params (GivenParams, gathered by qdq-tensors.ts) in place of calibrated ranges.
 * `io: 'float'` (default) keeps float inputs and outputs (QUANTIZE after the inputs, DEQUANTIZE before
 * the outputs), as the QDQ model's own float signature does; `io: 'int8'` makes an input or output the
 * model quantizes at its boundary (a QuantizeLinear right after the input, a DequantizeLinear right
 * before the output) int8, with the scale and zero point of that QuantizeLinear / DequantizeLinear on the
 * tensor: the integer values the QDQ model computes there, without the float round trip.
 */
import type { TfliteGraph } from '../tflite/model.js';
import { quantizeInt8InPlace, type GivenParams, type IoMode } from './int8.js';
import type { QuantizeReport } from './report.js';

/**
 * int8 kernels that approximate beyond a rounding: kept float between DEQUANTIZE and QUANTIZE at the
 * given params, which computes what the QDQ model computes (measured on torchvision's MobileNetV3-Small
 * quantized by onnxruntime: TFLite's fixed-point int8 HARD_SWISH is off by up to 3 steps on single
 * elements where onnxruntime rounds the exact value).
 */
export const QDQ_KEEP_FLOAT: GivenParams['keepFloat'] = {
  HARD_SWISH: { code: 'qdq-inexact-int8-kernel', op: 'HARD_SWISH' },
};

export function quantizeQdq(graph: TfliteGraph, given: GivenParams, io: IoMode = 'float'): QuantizeReport {
  const report = quantizeInt8InPlace(graph, new Map(), io, { ...given, keepFloat: { ...QDQ_KEEP_FLOAT, ...given.keepFloat } });
  // the model note (passes/qdq.ts) already says it was read as QDQ; this one says what became int8
  report.notes.unshift({ code: 'qdq-params' });
  return report;
}
