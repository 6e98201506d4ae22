/**
 * --quantize float16, as TF's converter writes it (checked on its output for FBNet's Keras twin, TF 2.20):
 * every FLOAT32 constant becomes a FLOAT16 constant read by a DEQUANTIZE (op_version.cc: 3) that writes the
 * float32 tensor the operators already read; the DEQUANTIZE ops lead the graph. Activations, I/O and
 * integer constants stay as they are. Runtimes fold the DEQUANTIZE of a constant once (XNNPACK keeps
 * the weights in fp16 for GPU delegates and dequantizes at load on CPU).
 */
import { readerIndex, type TfliteGraph, type TfOperator } from '../tflite/model.js';
import { countAdded, decide, startReport, type QuantizeReport } from './report.js';

/** the largest finite binary16 value; a larger weight would become Infinity */
const FLOAT16_MAX = 65504;

export function quantizeFloat16(graph: TfliteGraph): QuantizeReport {
  const report = startReport('float16', graph, { code: 'no-float-constants' });
  const isFloatConst = (t: number) => !!graph.tensors[t]!.data && graph.tensors[t]!.type === 'FLOAT32';
  const readers = [...readerIndex(graph)].filter(([t]) => isFloatConst(t)).sort((a, b) => a[0] - b[0]);
  const dequantize: TfOperator[] = [];
  const tooLarge = new Set<number>();
  const quantized = new Set<number>();
  for (const [t, ops] of readers) {
    const tensor = graph.tensors[t]!;
    const values = graph.floatValues(t)!;
    let max = 0;
    for (const v of values) if (Number.isFinite(v) && Math.abs(v) > max) max = Math.abs(v);
    if (max > FLOAT16_MAX) {
      ops.forEach((i) => tooLarge.add(i));
      report.notes.push({ code: 'beyond-float16', tensor: tensor.name, max });
      continue;
    }
    const half = graph.addFloat16Const(`${tensor.name}_fp16`, tensor.shape, values);
    report.weights.tensors++;
    report.weights.floatBytes += tensor.data!.length;
    report.weights.quantizedBytes += graph.tensors[half]!.data!.length;
    // the float tensor stays where it is and becomes the DEQUANTIZE output: no reader changes
    delete tensor.data;
    dequantize.push({ op: 'DEQUANTIZE', inputs: [half], outputs: [t] });
    for (const i of ops) quantized.add(i);
  }
  for (const i of quantized) decide(report, i, { status: 'quantized', how: { code: tooLarge.has(i) ? 'float16-weights-but-one-beyond-range' : 'float16-weights' } });
  for (const i of tooLarge) if (!quantized.has(i)) decide(report, i, { status: 'float', why: { code: 'constant-beyond-float16' } });
  graph.operators.unshift(...dequantize);
  if (dequantize.length) countAdded(report, 'DEQUANTIZE', dequantize.length);
  return report;
}
