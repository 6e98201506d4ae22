/**
 * A QDQ-quantized ONNX model written as an int8 .tflite: the int8 pass (int8.ts) over the float graph
 * with the model's own params (GivenParams, gathered by qdq-tensors.ts) in place of calibrated ranges.
 * The .tflite keeps float inputs and outputs (QUANTIZE after the inputs, DEQUANTIZE before the
 * outputs), as the QDQ model's own float signature does.
 */
import type { TfliteGraph } from '../tflite/model.js';
import { quantizeInt8InPlace, type GivenParams } from './int8.js';
import type { QuantizeReport } from './report.js';

export function quantizeQdq(graph: TfliteGraph, given: GivenParams): QuantizeReport {
  const report = quantizeInt8InPlace(graph, new Map(), 'float', given);
  report.notes.unshift("read as a QDQ model: int8 where its QuantizeLinear/DequantizeLinear pairs give an operator's inputs and outputs params a TFLite int8 kernel computes with, float elsewhere (as the QDQ model computes there)");
  return report;
}
