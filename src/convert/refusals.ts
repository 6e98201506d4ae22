/**
 * The catalogue of reasons the converter refuses a node (or the model): each a code with its arguments,
 * as data. src/report/refusal.ts words them (the only place); nothing reads the words back.
 * Names are ONNX names (attributes, inputs, values); shapes and values are the model's own numbers.
 */

/** what a dtype refusal is about: the role words the text ("only float32 activations are supported") */
export type DtypeRole = 'activation' | 'constant' | 'input' | 'output' | 'indices' | 'condition' | 'value';

/** what a count is checked against (worded by the formatter) */
export type CountBasis =
  | 'kernel-rank' | 'kernel-rank-pairs' | 'input-rank' | 'spatial-dims' | 'axes' | 'axes-pairs' | 'channels'
  | 'output-channels' | 'input-channels' | 'outputs' | 'scalar' | 'scales' | 'axis-size' | 'indices' | 'parameters';

/** the condition a value must meet */
export type ValueNeed = 'at-least-1' | 'positive' | 'positive-finite' | 'non-zero';

/** int8 params as the QDQ refusals report them (one per tensor, or per axis) */
export interface QdqParamsArg {
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

/** Every refusal code and its arguments. */
export interface RefusalArgs {
  // ---- the model as a whole ----
  'no-opset': Record<string, never>;
  'opset-too-new': { opset: number; max: number };
  'sparse-initializers': Record<string, never>;
  'model-functions': Record<string, never>;
  'no-outputs': Record<string, never>;
  'graph-cycle': Record<string, never>;
  // ---- graph inputs and outputs ----
  /** an input without a shape */
  'input-no-shape': { input: string };
  /** an input dimension TFLite cannot take: dynamic (`size` the symbol or null), empty, or beyond int32 */
  'input-dim': { input: string; dim: number; size: string | number | null; problem: 'dynamic' | 'empty' | 'int32' };
  /** a value that no node or input produces (`role` says which side of the graph it is) */
  'never-produced': { value: string; role: 'input' | 'output' | 'value' };
  /** a value whose shape inference did not reach */
  'shape-unknown': { value: string };
  // ---- operators ----
  'custom-domain': { domain: string };
  'not-an-operator': { op: string; opset: number };
  'no-lowering': { op: string; version: number };
  'control-flow': Record<string, never>;
  /** handled only when it folds to a constant (shape arithmetic); its inputs are computed at run time */
  'constant-only': Record<string, never>;
  /** a tensor the ONNX model declares but cannot hold (the loader's own words in `detail`) */
  'tensor-data': { detail: string; attr?: string };
  /** internal: an activation was fused into a kernel that has none */
  'fused-activation': { kernel: string };
  // ---- attributes ----
  'attr-type': { attr: string; type: string; expected: string };
  'attr-unknown': { attr: string };
  'attr-missing': { attr: string };
  /** an attribute value not supported (`supported`: the values that are) */
  'attr-unsupported': { attr: string; value: string | number; supported?: string };
  /** an attribute value the ONNX operator defines only from opset `since` on */
  'attr-version': { attr: string; value: string; since: number };
  'training-mode': { feature: 'training_mode' | 'running-stats' };
  'dropout-random': { ratio: number };
  // ---- inputs ----
  'input-missing': { input: string; index?: number };
  /** an input (by ONNX name and position) the lowering needs constant, computed at run time */
  'const-input-required': { input: string; index: number };
  /** a value the lowering needs constant, computed at run time */
  'not-constant': { value: string };
  'no-inputs': Record<string, never>;
  // ---- types ----
  'dtype-unsupported': { value: string; dtype: number; role: DtypeRole; expected?: string };
  'cast-unsupported': { to: number; from?: number };
  'int32-range': { what: 'shape' | 'constant' | 'option'; name: string; value: number; op?: string };
  'inexact-exponent': { exponent: number };
  'integer-fold-inexact': { op: string };
  /** int64 arithmetic computed in int32 whose result leaves int32 even for integer inputs within [-1, 1] (passes/int-ranges.ts) */
  'int64-overflow': { lo: number; hi: number };
  // ---- shapes, ranks, axes ----
  /** an operand rank this lowering does not take (`min`/`max` the ranks it does) */
  'rank-unsupported': { operand: string; rank: number; min?: number; max?: number };
  /** convolution and pooling: 1-D and 2-D only */
  'spatial-rank': { rank: number };
  /** a TFLite kernel's dimension limit */
  'kernel-rank-limit': { kernel: string; rank: number; max: number };
  'axis-out-of-range': { axis: number; rank: number };
  'axes-invalid': { axes: number[]; rank: number };
  'perm-invalid': { perm: number[]; rank: number };
  'softmax-axis': { axis: number };
  'squeeze-size': { axis: number; size: number };
  'no-broadcast': { shape: number[]; to: number[]; operand?: string };
  'inner-dims-differ': { a: number[]; b: number[] };
  'shape-mismatch': { operand: string; shape: number[]; expected: number[] };
  'inputs-mismatch': { shapes: number[][]; axis: number };
  /** a list (attribute or input) of the wrong length */
  'count-mismatch': { what: string; count: number; expected: number; basis: CountBasis; axis?: number };
  'kernel-shape-mismatch': { kernel: number[]; weights: number[] };
  'group-mismatch': { group: number; channels: number; weights: number[] };
  'reshape-invalid': { from: number[]; to: number[] };
  'shape-invalid': { shape: number[] };
  'split-invalid': { split: number[]; length: number };
  'empty-output': { shape?: number[] };
  /** an intermediate (or input) shape beyond TFLite's int32 dims or the element limit */
  'shape-too-large': { value: string; shape: number[]; max: number; role: 'input' | 'output'; problem: 'dims' | 'elements' };
  /** a fold that would write a constant larger than the model could (`floor`: the limit's minimum) */
  'fold-too-large': { count: number; limit: number; op?: string; floor?: number };
  // ---- values ----
  'values-invalid': { what: string; values: number[]; need: ValueNeed };
  'negative-pads': { pads: number[] };
  'pads-exceed-window': { pads: number[]; window: number };
  'output-padding': { value: number; stride: number; dilation: number };
  'ceil-mode-end-window': Record<string, never>;
  'upsample-below-one': { scales: number[] };
  'align-corners-fractional': Record<string, never>;
  'resize-no-size': Record<string, never>;
  'noop-empty-axes': Record<string, never>;
  'fmod-float': Record<string, never>;
  'modulo-by-zero': Record<string, never>;
  'output-unsupported': { output: string };
  // ---- indices ----
  'index-out-of-range': { index: number; size?: number };
  'indices-mismatch': { indices: number[]; data: number[] };
  'duplicate-indices': Record<string, never>;
  // ---- einsum ----
  'einsum-invalid': { equation: string; problem: 'syntax' | 'operand-count' | 'term-rank'; term?: string; operands?: number; inputs?: number; operand?: number; rank?: number };
  'einsum-unsupported': { equation: string; feature: 'diagonal' | 'broadcast' | 'output' | 'one-operand-sum' | 'operands' | 'summed-within'; letters?: string; sizes?: number[] };
  // ---- ops with no exact TFLite route ----
  'erf-outside-gelu': Record<string, never>;
  // ---- QDQ models ----
  'qoperator': Record<string, never>;
  /** a DequantizeLinear of a run-time integer tensor no QuantizeLinear made */
  'dq-unpaired': Record<string, never>;
  /** a QuantizeLinear whose integer result is read by something other than a matching DequantizeLinear */
  'q-unpaired': Record<string, never>;
  'qdq-per-axis-activation': { value: string };
  'qdq-activation-type': { dtype: number };
  'qdq-params-differ': { quantize: QdqParamsArg; dequantize: QdqParamsArg };
  'qdq-quantized-twice': { value: string; first: QdqParamsArg; second: QdqParamsArg };
  'qdq-asymmetric-weights': { weights: string; dtype: number; zeroPoints: number[] };
  'qdq-output-dtype': { outputDtype: number; zeroPointDtype: number };
  'qdq-blocked': { scaleRank?: number };
  'qdq-type': { dtype: number };
}

export type RefusalCode = keyof RefusalArgs;

/** One refusal: a code and its arguments. */
export type Refusal = { [K in RefusalCode]: { code: K; args: RefusalArgs[K] } }[RefusalCode];

/** One reason the model cannot be converted: where (op, version, node) and why (a refusal code and its arguments). */
export type Blocker = { node?: string; op: string; version?: number } & Refusal;

/** The codes at run time (the table-driven wording test walks them); the compiler keeps it complete. */
const CODES = {
  'no-opset': 1, 'opset-too-new': 1, 'sparse-initializers': 1, 'model-functions': 1, 'no-outputs': 1, 'graph-cycle': 1,
  'input-no-shape': 1, 'input-dim': 1, 'never-produced': 1, 'shape-unknown': 1, 'custom-domain': 1, 'not-an-operator': 1,
  'no-lowering': 1, 'control-flow': 1, 'constant-only': 1, 'tensor-data': 1, 'fused-activation': 1, 'attr-type': 1,
  'attr-unknown': 1, 'attr-missing': 1, 'attr-unsupported': 1, 'attr-version': 1, 'training-mode': 1, 'dropout-random': 1,
  'input-missing': 1, 'const-input-required': 1, 'not-constant': 1, 'no-inputs': 1, 'dtype-unsupported': 1,
  'cast-unsupported': 1, 'int32-range': 1, 'inexact-exponent': 1, 'integer-fold-inexact': 1, 'int64-overflow': 1, 'rank-unsupported': 1,
  'spatial-rank': 1, 'kernel-rank-limit': 1, 'axis-out-of-range': 1, 'axes-invalid': 1, 'perm-invalid': 1, 'softmax-axis': 1,
  'squeeze-size': 1, 'no-broadcast': 1, 'inner-dims-differ': 1, 'shape-mismatch': 1, 'inputs-mismatch': 1,
  'count-mismatch': 1, 'kernel-shape-mismatch': 1, 'group-mismatch': 1, 'reshape-invalid': 1, 'shape-invalid': 1,
  'split-invalid': 1, 'empty-output': 1, 'shape-too-large': 1, 'fold-too-large': 1, 'values-invalid': 1, 'negative-pads': 1,
  'pads-exceed-window': 1, 'output-padding': 1, 'ceil-mode-end-window': 1, 'upsample-below-one': 1,
  'align-corners-fractional': 1, 'resize-no-size': 1, 'noop-empty-axes': 1, 'fmod-float': 1, 'modulo-by-zero': 1,
  'output-unsupported': 1, 'index-out-of-range': 1, 'indices-mismatch': 1, 'duplicate-indices': 1, 'einsum-invalid': 1,
  'einsum-unsupported': 1, 'erf-outside-gelu': 1, 'qoperator': 1, 'dq-unpaired': 1, 'q-unpaired': 1,
  'qdq-per-axis-activation': 1, 'qdq-activation-type': 1, 'qdq-params-differ': 1, 'qdq-quantized-twice': 1,
  'qdq-asymmetric-weights': 1, 'qdq-output-dtype': 1, 'qdq-blocked': 1, 'qdq-type': 1,
} satisfies Record<RefusalCode, 1>;

export const REFUSAL_CODES = Object.keys(CODES) as RefusalCode[];

/** The arguments after the code: left out for codes that take none. */
export type RefusalParams<K extends RefusalCode> = Record<string, never> extends RefusalArgs[K] ? [args?: RefusalArgs[K]] : [args: RefusalArgs[K]];

export function refusal<K extends RefusalCode>(code: K, ...[args]: RefusalParams<K>): Refusal {
  return { code, args: args ?? {} } as Refusal;
}
