// The words of the converter's refusals (src/convert/refusals.ts): the only place they are worded.
// Each keeps what the refusal carries (names, values, limits) and why TFLite or the converter cannot.
import { dataTypeName } from '../onnx/model.js';
import type { Blocker, CountBasis, DtypeRole, QdqParamsArg, Refusal, ValueNeed } from '../convert/refusals.js';

const list = (xs: readonly number[]) => `[${xs.join(',')}]`;
const type = (t: number) => `${t} (${dataTypeName(t).toLowerCase()})`;

const ROLE_PLURAL: Record<DtypeRole, string> = {
  activation: 'activations', constant: 'constants', input: 'inputs', output: 'outputs', indices: 'indices', condition: 'conditions', value: 'values',
};

const BASIS: Record<CountBasis, string> = {
  'kernel-rank': 'one per spatial axis of the kernel',
  'kernel-rank-pairs': 'a begin and an end per spatial axis of the kernel',
  'input-rank': 'one per input axis',
  'spatial-dims': 'one per spatial axis of the input',
  axes: 'one per axis',
  'axes-pairs': 'a begin and an end per axis',
  channels: 'one per channel',
  'output-channels': 'one per output channel',
  'input-channels': 'the input channels',
  outputs: 'one per output',
  scalar: 'a scalar',
  scales: 'one per scale',
  'axis-size': 'one per slice of the quantized axis',
  indices: 'one per index tuple and element of the data slice it addresses',
  parameters: 'the same length as the scale',
};

const NEED: Record<ValueNeed, string> = {
  'at-least-1': '>= 1', positive: 'positive', 'positive-finite': 'positive finite numbers', 'non-zero': 'non-zero',
};

function params(p: QdqParamsArg): string {
  return p.scale.length === 1 ? `scale ${p.scale[0]}, zero point ${p.zeroPoint[0]}` : `${p.scale.length} scales along axis ${p.axis}`;
}

function rankRange(min?: number, max?: number): string {
  if (min !== undefined && min === max) return `rank ${min}`;
  if (min !== undefined && max !== undefined) return `ranks ${min} to ${max}`;
  return min !== undefined ? `rank ${min} or more` : `rank ${max} or less`;
}

/** The words of one refusal. */
export function refusalText(r: Refusal): string {
  switch (r.code) {
    case 'no-opset': return 'the model imports no ai.onnx opset';
    case 'opset-too-new': return `ai.onnx opset ${r.args.opset} is newer than the newest this converter knows (${r.args.max})`;
    case 'sparse-initializers': return 'sparse initializers are not supported';
    case 'model-functions': return 'model-local functions are not supported';
    case 'no-outputs': return 'the graph declares no outputs';
    case 'graph-cycle': return 'the graph has a cycle';
    case 'input-no-shape': return `input '${r.args.input}' has no shape`;
    case 'input-dim': {
      const { input, dim, size } = r.args;
      if (r.args.problem === 'dynamic') return `input '${input}' dimension ${dim} is dynamic (${size ?? '?'}); TFLite needs static shapes${typeof size === 'string' ? ` (give its size: --dim ${size}=N)` : ''}`;
      if (r.args.problem === 'empty') return `input '${input}' dimension ${dim} has size ${size}; empty tensors are not supported`;
      return `input '${input}' dimension ${dim} is ${size}, beyond TFLite's int32 dims`;
    }
    case 'never-produced': return r.args.role === 'value' ? `value '${r.args.value}' has no producer` : `${r.args.role} '${r.args.value}' is never produced`;
    case 'shape-unknown': return `shape of '${r.args.value}' is unknown`;
    case 'custom-domain': return `custom domain '${r.args.domain}' is not supported`;
    case 'not-an-operator': return `'${r.args.op}' is not an ai.onnx operator at opset ${r.args.opset}`;
    case 'no-lowering': return `no lowering for ${r.args.op} version ${r.args.version}`;
    case 'control-flow': return 'control flow (subgraph attributes) is not supported';
    case 'constant-only': return 'only supported when it folds to a constant (shape arithmetic); here its inputs are computed at run time';
    case 'tensor-data': return r.args.attr !== undefined ? `attribute '${r.args.attr}': ${r.args.detail}` : r.args.detail;
    case 'fused-activation': return `internal: activation fused into ${r.args.kernel}`;
    case 'attr-type': return `attribute ${r.args.attr} is ${r.args.type}, expected ${r.args.expected}`;
    case 'attr-unknown': return `attribute '${r.args.attr}' is not implemented`;
    case 'attr-missing': return `attribute ${r.args.attr} is missing`;
    case 'attr-unsupported': {
      const { attr, value, supported } = r.args;
      return `${typeof value === 'string' ? `${attr} '${value}'` : `${attr}=${value}`} is not supported${supported !== undefined ? ` (only ${supported})` : ''}`;
    }
    case 'attr-version': return `${r.args.attr} '${r.args.value}' is not defined at this version (from opset ${r.args.since} on)`;
    case 'training-mode': return r.args.feature === 'training_mode' ? 'training_mode=1 is not an inference graph' : 'training outputs (running mean/var) are not supported';
    case 'dropout-random': return `training-mode Dropout with ratio ${r.args.ratio} is random; only inference (or ratio 0) is supported`;
    case 'input-missing': return `${r.args.input}${r.args.index !== undefined ? ` (input ${r.args.index})` : ''} is missing`;
    case 'const-input-required': return `${r.args.input} (input ${r.args.index}) is not a constant; dynamic ${r.args.input} is not supported`;
    case 'not-constant': return `'${r.args.value}' is not a constant`;
    case 'no-inputs': return 'no inputs';
    case 'dtype-unsupported': {
      const { value, dtype, role, expected } = r.args;
      return expected === undefined
        ? `${role} '${value}' has element type ${type(dtype)}, which TFLite conversion does not support here`
        : `${role} '${value}' has element type ${type(dtype)}; only ${expected} ${ROLE_PLURAL[role]} are supported`;
    }
    case 'cast-unsupported': return r.args.from === undefined ? `cast to type ${type(r.args.to)} is not supported` : `a run-time cast from type ${type(r.args.from)} to type ${type(r.args.to)} is not supported`;
    case 'int32-range': {
      const { what, name, value, op } = r.args;
      const subject = what === 'shape' ? `the shape of '${name}'` : what === 'constant' ? `constant '${name}'` : `${op} option ${name}`;
      return `${subject} holds ${value}, outside TFLite's int32 range`;
    }
    case 'int64-overflow': return `int64 arithmetic computed in int32 (run-time integers are int32 in the .tflite): its result can reach [${r.args.lo}, ${r.args.hi}], beyond int32, even with integer inputs within [-1, 1]`;
    case 'inexact-exponent': return `integer exponent ${r.args.exponent} is not exact in float32`;
    case 'integer-fold-inexact': return `${r.args.op} of an integer constant leaves 2^53`;
    case 'rank-unsupported': return `'${r.args.operand}' of rank ${r.args.rank} is not supported (${rankRange(r.args.min, r.args.max)})`;
    case 'spatial-rank': return `only 1-D and 2-D (input rank 3 or 4) are supported, got a ${r.args.rank}-D input`;
    case 'kernel-rank-limit': return `a run-time operand of rank ${r.args.rank}: TFLite's ${r.args.kernel} takes at most ${r.args.max} dimensions`;
    case 'axis-out-of-range': return `axis ${r.args.axis} out of range for rank ${r.args.rank}`;
    case 'axes-invalid': return `axes ${list(r.args.axes)} are not valid for rank ${r.args.rank} (out of range or repeated)`;
    case 'perm-invalid': return `perm ${list(r.args.perm)} is not a permutation of rank ${r.args.rank}`;
    case 'softmax-axis': return `axis ${r.args.axis} before opset 13 (coerced to 2-D) is only supported on the last axis`;
    case 'squeeze-size': return `cannot squeeze axis ${r.args.axis} of size ${r.args.size}`;
    case 'no-broadcast': return r.args.operand === undefined
      ? `shapes ${list(r.args.shape)} and ${list(r.args.to)} do not broadcast`
      : `${r.args.operand} of shape ${list(r.args.shape)} does not broadcast to ${list(r.args.to)}`;
    case 'inner-dims-differ': return `inner dimensions differ (${list(r.args.a)} x ${list(r.args.b)})`;
    case 'shape-mismatch': return `${r.args.operand} of shape ${list(r.args.shape)}, expected ${list(r.args.expected)}`;
    case 'inputs-mismatch': return `inputs of shapes ${r.args.shapes.map(list).join(', ')} do not match outside axis ${r.args.axis}`;
    case 'count-mismatch': {
      const { what, count, expected, basis, axis } = r.args;
      return `${what} has ${count} value${count === 1 ? '' : 's'}, expected ${expected} (${BASIS[basis]}${axis !== undefined ? `: axis ${axis}` : ''})`;
    }
    case 'kernel-shape-mismatch': return `kernel_shape ${list(r.args.kernel)} does not match the weights ${list(r.args.weights)}`;
    case 'group-mismatch': return `group ${r.args.group} does not match channels (${r.args.channels} in, weights ${list(r.args.weights)})`;
    case 'reshape-invalid': return `cannot reshape ${list(r.args.from)} to ${list(r.args.to)}`;
    case 'shape-invalid': return `invalid shape ${list(r.args.shape)}`;
    case 'split-invalid': return `split ${list(r.args.split)} does not divide ${r.args.length}`;
    case 'empty-output': return r.args.shape ? `output shape ${list(r.args.shape)} is empty or invalid` : 'output would be empty';
    case 'shape-too-large': {
      const { value, shape, max, role, problem } = r.args;
      const limit = problem === 'dims' ? `outside TFLite's int32 dims (at most ${max})` : `more than ${max} elements`;
      return role === 'input' ? `input '${value}' of shape ${list(shape)} has ${limit}` : `output '${value}' would have shape ${list(shape)}, ${limit}`;
    }
    case 'fold-too-large': {
      const { count, limit, op, floor } = r.args;
      return `${op ? `${op} would fold` : 'would fold'} to a constant of ${count} elements, more than ${limit}` +
        (floor !== undefined ? ` (twice the model's own constants, at least ${floor})` : '');
    }
    case 'values-invalid': return `${r.args.what} ${list(r.args.values)} must be ${NEED[r.args.need]}`;
    case 'negative-pads': return `negative pads ${list(r.args.pads)} (cropping) are not supported`;
    case 'pads-exceed-window': return `pads ${list(r.args.pads)} are not smaller than the window (${r.args.window})`;
    case 'output-padding': return `output_padding ${r.args.value} must be smaller than the stride (${r.args.stride}) or the dilation (${r.args.dilation})`;
    case 'ceil-mode-end-window': return 'ceil_mode=1 with a last window starting in the end padding is not supported (runtimes disagree on it)';
    case 'upsample-below-one': return `scales ${list(r.args.scales)} below 1 are not supported`;
    case 'align-corners-fractional': return 'align_corners with scales that do not give whole output sizes: runtimes disagree on the sampling positions';
    case 'resize-no-size': return 'neither scales nor sizes is given';
    case 'noop-empty-axes': return 'noop_with_empty_axes=1 with empty axes is not supported';
    case 'fmod-float': return 'fmod=0 on floating-point inputs is invalid ONNX';
    case 'modulo-by-zero': return 'integer modulo by zero';
    case 'output-unsupported': return `the ${r.args.output} output is not supported`;
    case 'index-out-of-range': return `index ${r.args.index} out of range${r.args.size !== undefined ? ` for a dimension of ${r.args.size}` : ''}`;
    case 'indices-mismatch': return `indices of shape ${list(r.args.indices)} do not fit data of shape ${list(r.args.data)}`;
    case 'duplicate-indices': return 'duplicate indices with reduction none';
    case 'einsum-invalid': {
      const { equation, problem, term, operands, inputs, rank, operand } = r.args;
      if (problem === 'syntax') return `equation '${equation}' is not well formed`;
      if (problem === 'operand-count') return `equation '${equation}' names ${operands} operands, the node has ${inputs}`;
      return `'${term}' of equation '${equation}' does not match operand ${operand} of rank ${rank}`;
    }
    case 'einsum-unsupported': {
      const { equation, feature, letters, sizes } = r.args;
      const what = {
        diagonal: `repeated letters in '${letters}' (diagonals) are not supported`,
        broadcast: `letter '${letters}' has sizes ${sizes?.join(' and ')} (broadcasting inside einsum is not supported)`,
        output: `output '${letters}' is not supported`,
        'one-operand-sum': 'a one-operand einsum that sums or takes a diagonal is not supported',
        operands: 'einsum with more than two operands is not supported',
        'summed-within': `letters summed within one operand (${letters}) are not supported`,
      }[feature];
      return `${what} (equation '${equation}')`;
    }
    case 'erf-outside-gelu': return 'TFLite has no Erf operator; Erf is converted only inside exact GELU, x*0.5*(1+erf(x/sqrt(2))), and this one is not part of that pattern';
    case 'qoperator': return "an integer op of onnxruntime's QOperator format; tfdoctor reads the QDQ format (QuantizeLinear/DequantizeLinear around float ops): quantize with quant_format=QuantFormat.QDQ";
    case 'dq-unpaired': return 'it dequantizes a run-time integer tensor that no QuantizeLinear made (an integer graph input or an integer op); only the QDQ format is read';
    case 'q-unpaired': return 'its integer result is read by something other than a matching DequantizeLinear (integer ops, or an integer graph output); only the QDQ format (QuantizeLinear -> DequantizeLinear around float ops) is read';
    case 'qdq-per-axis-activation': return `per-axis quantization of the activation '${r.args.value}': TFLite's int8 activations have one scale and zero point per tensor`;
    case 'qdq-activation-type': return `${qdqTypeName(r.args.dtype)} activations: TFLite's int8 kernels take int8 (or uint8, read as int8) activations only`;
    case 'qdq-params-differ': return `it dequantizes with other params (${params(r.args.dequantize)}) than its QuantizeLinear quantized with (${params(r.args.quantize)})`;
    case 'qdq-quantized-twice': return `'${r.args.value}' is quantized twice with different params (${params(r.args.first)}; ${params(r.args.second)}); a TFLite tensor has one`;
    case 'qdq-asymmetric-weights': {
      const { weights, dtype, zeroPoints } = r.args;
      const uint8 = dtype === 2;
      return `weights '${weights}' are ${qdqTypeName(dtype)} with zero point ${zeroPoints.slice(0, 3).join(', ')}${zeroPoints.length > 3 ? ', ...' : ''}: ` +
        `TFLite's int8 kernels need symmetric weights (int8 zero point 0${uint8 ? ', i.e. uint8 zero point 128' : ''}); not expressible exactly`;
    }
    case 'qdq-output-dtype': return `output_dtype ${type(r.args.outputDtype)} differs from the zero point's type ${type(r.args.zeroPointDtype)}`;
    case 'qdq-blocked': return r.args.scaleRank === undefined ? 'blocked quantization (block_size) is not supported' : `a scale of rank ${r.args.scaleRank} (blocked quantization) is not supported`;
    case 'qdq-type': return `quantization to element type ${type(r.args.dtype)} is not supported`;
  }
  return assertNever(r);
}

function assertNever(r: never): never {
  throw new Error(`refusal code without wording: ${(r as Refusal).code}`);
}

const QDQ_TYPE_NAMES: Record<number, string> = { 3: 'int8', 2: 'uint8', 5: 'int16', 4: 'uint16', 6: 'int32' };
const qdqTypeName = (t: number) => QDQ_TYPE_NAMES[t] ?? `element type ${t}`;

/** One blocker in a line: the op (and version), the node, the refusal's words. */
export function blockerText(b: Blocker): string {
  const what = b.version ? `${b.op} v${b.version}` : b.op;
  const text = refusalText(b);
  return b.node ? `${what} (node '${b.node}'): ${text}` : `${what}: ${text}`;
}

/** A blocker for --json: its data, and its words beside them. */
export function blockerDocument(b: Blocker): Blocker & { text: string } {
  return { ...b, text: refusalText(b) };
}
