/**
 * Full-integer post-training quantization of a float TfliteGraph: operators with an int8 rule
 * (int8-rules.ts) run on int8 tensors whose params come from the calibrated ranges and the kernels'
 * restrictions; every other operator keeps float32, fed through DEQUANTIZE and read back through
 * QUANTIZE. `io: 'float'` keeps float32 model inputs/outputs (QUANTIZE after the inputs, DEQUANTIZE
 * before the outputs); `io: 'int8'` makes them int8 with their params on the tensors.
 */
import { producerIndex, readerIndex, TfliteGraph, type TfOperator } from '../tflite/model.js';
import type { BuiltinOpName } from '../tflite/schema.js';
import { activationParams, quantizeBias, quantizeValues, sameParams, type QuantParams } from './int8-params.js';
import { floatReason, INT8_RULES, SOFTMAX_MIN_OUTPUT_MAX, type Int8Rule } from './int8-rules.js';
import type { Range } from './ranges.js';
import type { FloatReason, QuantizedAs } from './decisions.js';
import { countAdded, newReport, opPlaces, type OpDecision, type QuantizeReport } from './report.js';
import { floatByPlace } from './row-norm.js';
import { givenInt8, onGivenGrid, symmetricInt8 } from './weights.js';

export type IoMode = 'float' | 'int8';

export interface FloatKept {
  op: BuiltinOpName;
  /** the operator's first output tensor, as the float model names it */
  output: string;
  why: FloatReason;
}

export interface IoQuantization {
  name: string;
  type: 'FLOAT32' | 'INT8';
  scale?: number;
  zeroPoint?: number;
}

export interface Int8Report {
  io: IoMode;
  /** operators running in int8, by op */
  int8Ops: Record<string, number>;
  /** operators kept in float32, each with why */
  floatOps: FloatKept[];
  quantizeOps: number;
  dequantizeOps: number;
  /** int8 -> int8 QUANTIZE inserted where a kernel needs its input at other params */
  requantizeOps: number;
  inputs: IoQuantization[];
  outputs: IoQuantization[];
  /** per operator of the float graph: int8 (how) or float (why) */
  perOp: OpDecision[];
}

function int8As(rule: Int8Rule): QuantizedAs {
  switch (rule.kind) {
    case 'weighted':
      return rule.weightAxis === undefined ? { code: 'int8-weights-per-tensor' } : { code: 'int8-weights-per-channel', axis: rule.weightAxis };
    case 'own': return { code: 'int8' };
    case 'same': return { code: 'int8-output-at-input-params' };
    case 'tied': return { code: 'int8-inputs-at-output-params' };
    case 'fixed': return { code: 'int8-fixed-output-params', scale: rule.scale, zeroPoint: rule.zeroPoint };
  }
}

type Plan = { rule: Int8Rule } | { why: FloatReason };

/**
 * Params a QDQ ONNX model carries (quantize/qdq.ts): used as given instead of calibrated ranges. An
 * operator runs in int8 only where the given params are what its int8 kernel computes with; elsewhere
 * it stays float between DEQUANTIZE and QUANTIZE at the given params, which is what the quantized model
 * itself computes.
 */
export interface GivenParams {
  /** params of graph inputs and activations */
  activations: ReadonlyMap<number, QuantParams>;
  /** weights (in the operator's own layout: scales along its output channels) and constant operands; why not, where not expressible */
  constants: ReadonlyMap<number, QuantParams | { why: FloatReason }>;
  /** operators kept float even where their int8 kernel could run, with why */
  keepFloat?: Partial<Record<BuiltinOpName, FloatReason>>;
}

function floatValues(data: Uint8Array): Float32Array {
  return new Float32Array(data.slice().buffer);
}

function int8Bytes(v: Int8Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function int32Bytes(v: Int32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  v.forEach((x, i) => view.setInt32(i * 4, x, true));
  return out;
}

const paramsKey = (p: QuantParams) => `${p.scale.join(',')}|${p.zeroPoint.join(',')}`;

function minMax(values: ArrayLike<number>): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < min) min = values[i]!;
    if (values[i]! > max) max = values[i]!;
  }
  return { min, max };
}

class Int8Rewriter {
  readonly q = new TfliteGraph();
  readonly report: Int8Report;
  private readonly isConst: (t: number) => boolean;
  private readonly isFloatAct: (t: number) => boolean;
  private readonly plans: Plan[];
  private readonly params = new Map<number, QuantParams>();
  private readonly int8Of = new Map<number, number>();
  private readonly floatOf = new Map<number, number>();
  /**
   * float32 values a quantized model rounds to their given params before anything reads them (a float-kept
   * operator's output, a graph input): read through QUANTIZE, and DEQUANTIZE again where read as float
   */
  private readonly unroundedOf = new Map<number, number>();
  private readonly plainOf = new Map<number, number>();
  private readonly constCache = new Map<string, number>();
  private readonly requantCache = new Map<string, number>();
  private readonly weightCache = new Map<string, { tensor: number; scales: number[] }>();
  /** operators float by where they sit (row-norm.ts), for calibrated params only */
  private readonly placed: ReadonlyMap<number, FloatReason>;

  constructor(private readonly g: TfliteGraph, private readonly ranges: ReadonlyMap<number, Range>, private readonly io: IoMode, private readonly given?: GivenParams,
    private readonly keep?: ReadonlyMap<number, FloatReason>, byPlace = true) {
    this.q.description = g.description;
    this.placed = given || !byPlace ? new Map() : floatByPlace(g);
    this.isConst = (t) => !!g.tensors[t]!.data;
    this.isFloatAct = (t) => t >= 0 && g.tensors[t]!.type === 'FLOAT32' && !g.tensors[t]!.data;
    this.report = { io, int8Ops: {}, floatOps: [], quantizeOps: 0, dequantizeOps: 0, requantizeOps: 0, inputs: [], outputs: [], perOp: [] };
    if (given) {
      this.plans = [];
      this.planGiven(given);
      return;
    }
    this.plans = g.operators.map((op, i) => this.plan(op, i));
    this.assignParams();
  }

  /** Plans and params from given params, in graph order (a 'same' operator's output inherits its input's). */
  private planGiven(given: GivenParams): void {
    for (const [t, p] of given.activations) if (this.isFloatAct(t)) this.params.set(t, p);
    const missing = (t: number): FloatReason => ({ code: 'qdq-no-params', tensor: this.g.tensors[t]!.name });
    for (const op of this.g.operators) {
      const plan = this.planOne(op, given, missing);
      this.plans.push(plan);
      if ('rule' in plan && plan.rule.kind === 'same') {
        const src = this.params.get(op.inputs.find((t) => this.isFloatAct(t))!)!;
        for (const t of op.outputs) if (!this.params.has(t)) this.params.set(t, src);
      }
    }
  }

  private planOne(op: TfOperator, given: GivenParams, missing: (t: number) => FloatReason): Plan {
    const rule = INT8_RULES[op.op];
    if (!rule) return { why: floatReason(op.op) };
    const kept = given.keepFloat?.[op.op];
    if (kept) return { why: kept };
    const floatIns = op.inputs.filter((t) => this.isFloatAct(t));
    if (floatIns.length === 0) return { why: { code: 'no-float-input', op: op.op } };
    for (const t of floatIns) if (!this.params.has(t)) return { why: missing(t) };
    const constOperand = this.constOperandReason(op, rule);
    if (constOperand) return { why: constOperand };
    for (const t of op.outputs) if (!this.isFloatAct(t)) return { why: { code: 'non-float-output', op: op.op, type: this.g.tensors[t]!.type } };
    const input = this.params.get(floatIns[0]!)!;
    for (const t of op.outputs) {
      const out = this.params.get(t);
      if (rule.kind === 'same') {
        if (out && !sameParams(out, input)) return { why: { code: 'qdq-output-params-differ', op: op.op } };
      } else if (!out) return { why: missing(t) };
      else if (rule.kind === 'fixed' && !sameParams(out, { scale: [rule.scale], zeroPoint: [rule.zeroPoint] })) {
        return { why: { code: 'qdq-fixed-output-params-differ', op: op.op, scale: out.scale[0]!, zeroPoint: out.zeroPoint[0]!, kernelScale: rule.scale, kernelZeroPoint: rule.zeroPoint } };
      }
    }
    // a 'same' or 'tied' operator's float constants (a pad value) take its activation params, as calibrated
    const ownConsts = rule.kind === 'weighted' || rule.kind === 'own';
    const consts = op.inputs.filter((t, i) => ownConsts && t >= 0 && this.isConst(t) && this.g.tensors[t]!.type === 'FLOAT32' && !(rule.kind === 'weighted' && i === 2));
    for (const t of consts) {
      const c = given.constants.get(t);
      const tensor = this.g.tensors[t]!.name;
      if (!c) return { why: { code: 'qdq-constant-float', tensor } };
      if ('why' in c) return { why: c.why };
      if (rule.kind !== 'weighted' && c.scale.length !== 1) return { why: { code: 'qdq-constant-per-axis', tensor } };
      const axis = rule.kind === 'weighted' ? rule.weightAxis ?? 0 : undefined;
      if (!onGivenGrid(floatValues(this.g.tensors[t]!.data!), this.g.tensors[t]!.shape, axis, c)) return { why: { code: 'qdq-constant-off-grid', tensor } };
      if (rule.kind === 'weighted' && c.zeroPoint.some((z) => z !== 0)) return { why: { code: 'qdq-weights-zero-point', tensor } };
    }
    if (rule.kind === 'weighted') {
      const [x, , b] = op.inputs as [number, number, number | undefined];
      if (!this.isFloatAct(x)) return { why: { code: 'input-not-float', op: op.op } };
      if (b !== undefined && b >= 0 && (!this.isConst(b) || this.g.tensors[b]!.type !== 'FLOAT32')) return { why: { code: 'bias-at-run-time', op: op.op } };
      if (op.inputs[1]! < 0 || !this.isConst(op.inputs[1]!)) return { why: { code: 'weights-at-run-time', op: op.op } };
    }
    return { rule };
  }

  /** why an operator whose int8 rule wants run-time operands only stays float: it has a constant one */
  private constOperandReason(op: TfOperator, rule: Int8Rule): FloatReason | undefined {
    if (rule.kind !== 'own' || !rule.runTimeOperands) return undefined;
    const constant = op.inputs.some((t) => t >= 0 && this.isConst(t) && this.g.tensors[t]!.type === 'FLOAT32');
    return constant ? { code: 'constant-operand', op: op.op } : undefined;
  }

  private plan(op: TfOperator, index: number): Plan {
    const rule = INT8_RULES[op.op];
    if (!rule) return { why: floatReason(op.op) };
    const kept = this.keep?.get(index) ?? this.placed.get(index);
    if (kept) return { why: kept };
    const floatIns = op.inputs.filter((t) => this.isFloatAct(t));
    if (floatIns.length === 0) return { why: { code: 'no-float-input', op: op.op } };
    const coarse = op.op === 'SOFTMAX' ? this.softmaxTooCoarse(op) : undefined;
    if (coarse) return { why: coarse };
    const noRange = (t: number): Plan => ({ why: { code: 'no-calibrated-range', tensor: this.g.tensors[t]!.name } });
    for (const t of op.outputs) {
      if (!this.isFloatAct(t)) return { why: { code: 'non-float-output', op: op.op, type: this.g.tensors[t]!.type } };
      if (!this.ranges.has(t)) return noRange(t);
    }
    for (const t of floatIns) if (!this.ranges.has(t)) return noRange(t);
    const constOperand = this.constOperandReason(op, rule);
    if (constOperand) return { why: constOperand };
    if (rule.kind === 'weighted') {
      const [x, w, b] = op.inputs as [number, number, number | undefined];
      if (!this.isFloatAct(x)) return { why: { code: 'input-not-float', op: op.op } };
      if (w < 0 || !this.isConst(w) || this.g.tensors[w]!.type !== 'FLOAT32') return { why: { code: 'weights-at-run-time', op: op.op } };
      if (b !== undefined && b >= 0 && (!this.isConst(b) || this.g.tensors[b]!.type !== 'FLOAT32')) return { why: { code: 'bias-at-run-time', op: op.op } };
    }
    if (rule.kind === 'tied' && rule.clamp) {
      const lost = this.boundLostOnGrid(op);
      if (lost) return { why: lost };
    }
    return { rule };
  }

  /** why a SOFTMAX whose calibrated outputs use few of int8 SOFTMAX's fixed 1/256 steps stays float (int8-rules.ts) */
  private softmaxTooCoarse(op: TfOperator): FloatReason | undefined {
    const r = this.ranges.get(op.outputs[0]!);
    if (!r || !(r.max < SOFTMAX_MIN_OUTPUT_MAX)) return undefined;
    return { code: 'softmax-coarse', max: r.max };
  }

  /**
   * A clamp's constant bound is quantized at the output's params. A non-zero bound that rounds to 0
   * there (the eps of clamp_min(norm, eps) before x / norm) changes what the clamp is for: max(norm, eps)
   * can then be 0 and a division by it gives inf / NaN. Such a clamp stays float.
   */
  private boundLostOnGrid(op: TfOperator): FloatReason | undefined {
    const r = this.ranges.get(op.outputs[0]!)!;
    const out = activationParams(r.min, r.max);
    for (const t of op.inputs) {
      if (t < 0 || !this.isConst(t) || this.g.tensors[t]!.type !== 'FLOAT32') continue;
      const values = floatValues(this.g.tensors[t]!.data!);
      const q = quantizeValues(values, out);
      const i = values.findIndex((v, k) => v !== 0 && q[k] === out.zeroPoint[0]);
      if (i >= 0) return { code: 'clamp-bound-rounds-to-zero', op: op.op, bound: values[i]!, scale: out.scale[0]! };
    }
    return undefined;
  }

  /** Params of every float activation an int8 operator touches: calibrated, then the kernels' ties. */
  private assignParams(): void {
    const { g } = this;
    for (const [t, r] of this.ranges) if (this.isFloatAct(t)) this.params.set(t, activationParams(r.min, r.max));
    const producer = producerIndex(g);
    const consumers = readerIndex(g);
    // a CONCATENATION input made only for it takes the output's params: no requantize needed
    // (the output's range holds every input's range)
    g.operators.forEach((op, i) => {
      const plan = this.plans[i]!;
      if (op.op !== 'CONCATENATION' || !('rule' in plan)) return;
      const out = this.params.get(op.outputs[0]!)!;
      for (const t of op.inputs) {
        const p = producer.get(t);
        const pPlan = p === undefined ? undefined : this.plans[p];
        const ownKind = pPlan && 'rule' in pPlan && (pPlan.rule.kind === 'own' || pPlan.rule.kind === 'weighted');
        if (ownKind && consumers.get(t)?.length === 1 && !g.outputs.includes(t)) this.params.set(t, out);
      }
    });
    g.operators.forEach((op, i) => {
      const plan = this.plans[i]!;
      if (!('rule' in plan)) return;
      const { rule } = plan;
      if (rule.kind === 'same') {
        const src = this.params.get(op.inputs.find((t) => this.isFloatAct(t))!)!;
        for (const t of op.outputs) this.params.set(t, src);
      } else if (rule.kind === 'fixed') {
        for (const t of op.outputs) this.params.set(t, { scale: [rule.scale], zeroPoint: [rule.zeroPoint] });
      }
    });
  }

  private newTensor(from: number, suffix: string, type: 'FLOAT32' | 'INT8' | 'INT32', quant?: QuantParams, data?: Uint8Array): number {
    const src = this.g.tensors[from]!;
    const t = this.q.addTensor(src.name + suffix, src.shape, type);
    const tensor = this.q.tensors[t]!;
    if (data) tensor.data = data;
    if (quant) tensor.quantization = quant;
    return t;
  }

  /** versions are set when the graph is written (tflite/op-version.ts assignOpVersions, from the final graph) */
  private addOp(op: BuiltinOpName, inputs: number[], outputs: number[], from?: TfOperator): void {
    this.q.addOp(op, inputs, outputs, from?.options);
  }

  /** A non-float or float-constant tensor copied as it is. */
  private plain(t: number): number {
    if (t < 0) return t;
    let n = this.plainOf.get(t);
    if (n === undefined) {
      const src = this.g.tensors[t]!;
      n = this.newTensor(t, '', src.type as 'FLOAT32', src.quantization, src.data);
      this.plainOf.set(t, n);
    }
    return n;
  }

  /** The float32 version of an activation, through DEQUANTIZE when only its int8 version exists. */
  private floatAct(t: number): number {
    let f = this.floatOf.get(t);
    if (f !== undefined) return f;
    const i8 = this.unroundedOf.has(t) ? this.int8Act(t) : this.int8Of.get(t);
    if (i8 === undefined) throw new Error(`internal: '${this.g.tensors[t]!.name}' used before it is produced`);
    f = this.newTensor(t, '_dequant', 'FLOAT32');
    this.addOp('DEQUANTIZE', [i8], [f]);
    this.report.dequantizeOps++;
    this.floatOf.set(t, f);
    return f;
  }

  /** The int8 version of an activation (QUANTIZE from float when needed), requantized to `want` if given. */
  private int8Act(t: number, want?: QuantParams): number {
    let i8 = this.int8Of.get(t);
    if (i8 === undefined) {
      const f = this.floatOf.get(t) ?? this.unroundedOf.get(t);
      if (f === undefined) throw new Error(`internal: '${this.g.tensors[t]!.name}' used before it is produced`);
      i8 = this.newTensor(t, '_int8', 'INT8', this.params.get(t)!);
      this.addOp('QUANTIZE', [f], [i8]);
      this.report.quantizeOps++;
      this.int8Of.set(t, i8);
    }
    if (!want || sameParams(want, this.params.get(t)!)) return i8;
    const key = `${t}|${paramsKey(want)}`;
    let r = this.requantCache.get(key);
    if (r === undefined) {
      r = this.newTensor(t, '_requant', 'INT8', want);
      this.addOp('QUANTIZE', [i8], [r]);
      this.report.requantizeOps++;
      this.requantCache.set(key, r);
    }
    return r;
  }

  /** A float constant read by an int8 op as an int8 tensor with `p` (per tensor). */
  private int8Const(t: number, p: QuantParams): number {
    const key = `c${t}|${paramsKey(p)}`;
    let n = this.constCache.get(key);
    if (n === undefined) {
      n = this.newTensor(t, '_int8', 'INT8', p, int8Bytes(quantizeValues(floatValues(this.g.tensors[t]!.data!), p)));
      this.constCache.set(key, n);
      this.countConst(t, n);
    }
    return n;
  }

  /** float32 constant bytes re-encoded: the report's weight totals */
  readonly weights = { tensors: 0, floatBytes: 0, quantizedBytes: 0 };

  private countConst(from: number, to: number): void {
    this.weights.tensors++;
    this.weights.floatBytes += this.g.tensors[from]!.data!.length;
    this.weights.quantizedBytes += this.q.tensors[to]!.data!.length;
  }

  private lowerWeighted(op: TfOperator, rule: Extract<Int8Rule, { kind: 'weighted' }>): number[] {
    const [x, w, b] = op.inputs as [number, number, number | undefined];
    const xq = this.int8Act(x);
    const xScale = this.params.get(x)!.scale[0]!;
    const wKey = `w${w}|${rule.weightAxis ?? 't'}`;
    let wq = this.weightCache.get(wKey);
    if (wq === undefined) {
      const wt = this.g.tensors[w]!;
      const givenW = this.given?.constants.get(w) as QuantParams | undefined;
      const weights = givenW ? givenInt8(floatValues(wt.data!), wt.shape, rule.weightAxis ?? 0, givenW) : symmetricInt8(floatValues(wt.data!), wt.shape, rule.weightAxis);
      const axis = givenW ? (weights.scale.length > 1 ? rule.weightAxis ?? 0 : undefined) : rule.weightAxis;
      const params = { scale: weights.scale, zeroPoint: weights.zeroPoint, ...(axis !== undefined ? { quantizedDimension: axis } : {}) };
      wq = { tensor: this.newTensor(w, '_int8', 'INT8', params, int8Bytes(weights.values)), scales: weights.scale };
      this.countConst(w, wq.tensor);
      this.weightCache.set(wKey, wq);
    }
    const inputs = [xq, wq.tensor];
    if (b !== undefined) {
      if (b < 0) inputs.push(b);
      else {
        const bias = quantizeBias(floatValues(this.g.tensors[b]!.data!), xScale, wq.scales);
        const bq = this.newTensor(b, '_int32', 'INT32', bias.params, int32Bytes(bias.data));
        this.countConst(b, bq);
        inputs.push(bq);
      }
    }
    return [...inputs, ...op.inputs.slice(3).map((t) => this.plain(t))];
  }

  private lowerInt8(op: TfOperator, rule: Int8Rule): void {
    let inputs: number[];
    if (rule.kind === 'weighted') inputs = this.lowerWeighted(op, rule);
    else {
      const outParams = this.params.get(op.outputs[0]!)!;
      inputs = op.inputs.map((t) => {
        if (t < 0) return t;
        if (this.isFloatAct(t)) return this.int8Act(t, rule.kind === 'tied' ? outParams : undefined);
        const src = this.g.tensors[t]!;
        if (src.type !== 'FLOAT32') return this.plain(t);
        // a float constant operand: at the output's params where the kernel ties them, else its own range
        // (or the params a quantized model gives it)
        const values = floatValues(src.data!);
        const r = minMax(values);
        const givenC = this.given?.constants.get(t) as QuantParams | undefined;
        return this.int8Const(t, rule.kind === 'same' || rule.kind === 'tied' ? outParams : givenC ?? activationParams(r.min, r.max));
      });
    }
    const outputs = op.outputs.map((t) => {
      const n = this.newTensor(t, '', 'INT8', this.params.get(t)!);
      this.int8Of.set(t, n);
      return n;
    });
    this.addOp(op.op, inputs, outputs, op);
    this.report.int8Ops[op.op] = (this.report.int8Ops[op.op] ?? 0) + 1;
  }

  /**
   * Whether float value `t` passes through its given params' grid before it is read, as in the quantized
   * model (a QDQ pair on it): not for calibrated params, which only say where int8 operators read it.
   */
  private roundsTo(t: number): boolean {
    return !!this.given && this.params.has(t);
  }

  private lowerFloat(op: TfOperator, why: FloatReason): void {
    const inputs = op.inputs.map((t) => (this.isFloatAct(t) ? this.floatAct(t) : this.plain(t)));
    const outputs = op.outputs.map((t) => {
      if (!this.isFloatAct(t)) return this.plain(t);
      const n = this.newTensor(t, '', 'FLOAT32');
      (this.roundsTo(t) ? this.unroundedOf : this.floatOf).set(t, n);
      return n;
    });
    this.addOp(op.op, inputs, outputs, op);
    const touchesFloat = op.inputs.some((t) => this.isFloatAct(t)) || op.outputs.some((t) => this.isFloatAct(t));
    if (touchesFloat) this.report.floatOps.push({ op: op.op, output: this.g.tensors[op.outputs[0]!]!.name, why });
  }

  /** what an int8 operator uses; given weights say per channel or per tensor themselves */
  private quantizedAs(op: TfOperator, rule: Int8Rule): QuantizedAs {
    const w = rule.kind === 'weighted' ? this.given?.constants.get(op.inputs[1]!) as QuantParams | undefined : undefined;
    if (!w || rule.kind !== 'weighted') return int8As(rule);
    return w.scale.length > 1 ? { code: 'int8-weights-per-channel', axis: rule.weightAxis ?? 0 } : { code: 'int8-weights-per-tensor' };
  }

  private ioEntry(name: string, t: number): IoQuantization {
    const tensor = this.q.tensors[t]!;
    return tensor.type === 'INT8'
      ? { name, type: 'INT8', scale: tensor.quantization!.scale[0]!, zeroPoint: tensor.quantization!.zeroPoint[0]! }
      : { name, type: 'FLOAT32' };
  }

  run(): { graph: TfliteGraph; report: Int8Report } {
    const { g, q } = this;
    for (const t of g.inputs) {
      const quantIn = this.io === 'int8' && g.tensors[t]!.type === 'FLOAT32' && this.params.has(t);
      const n = quantIn ? this.newTensor(t, '', 'INT8', this.params.get(t)!) : this.newTensor(t, '', g.tensors[t]!.type as 'FLOAT32');
      (quantIn ? this.int8Of : g.tensors[t]!.type !== 'FLOAT32' ? this.plainOf : this.roundsTo(t) ? this.unroundedOf : this.floatOf).set(t, n);
      q.inputs.push(n);
    }
    q.signatureInputs = g.signatureInputs.map((s) => ({ name: s.name, tensor: q.inputs[g.inputs.indexOf(s.tensor)]! }));
    g.operators.forEach((op, i) => {
      const plan = this.plans[i]!;
      if ('rule' in plan) this.lowerInt8(op, plan.rule);
      else this.lowerFloat(op, plan.why);
      this.report.perOp.push('rule' in plan ? { status: 'quantized', how: this.quantizedAs(op, plan.rule) } : { status: 'float', why: plan.why });
    });
    for (const t of g.outputs) {
      let n = !this.isFloatAct(t) ? this.plain(t) : this.io === 'int8' && this.params.has(t) ? this.int8Act(t) : this.floatAct(t);
      const name = g.tensors[t]!.name;
      if (q.tensors[n]!.name !== name) {
        const clash = q.tensors.findIndex((x) => x.name === name);
        if (clash >= 0) q.renameTensor(clash, `${name}_internal`);
        q.renameTensor(n, name);
      }
      if (q.inputs.includes(n)) throw new Error(`internal: output '${name}' is an input`);
      q.outputs.push(n);
      n = q.outputs[q.outputs.length - 1]!;
    }
    q.signatureOutputs = g.signatureOutputs.map((s) => ({ name: s.name, tensor: q.outputs[g.outputs.indexOf(s.tensor)]! }));
    this.report.inputs = q.signatureInputs.map((s) => this.ioEntry(s.name, s.tensor));
    this.report.outputs = q.signatureOutputs.map((s) => this.ioEntry(s.name, s.tensor));
    return { graph: q, report: this.report };
  }
}

/**
 * `--quantize int8` as a pass of the driver (index.ts): rewrites `graph` in place into its int8
 * model and reports every operator of the float graph as quantized (how) or float (why).
 */
export function quantizeInt8InPlace(graph: TfliteGraph, ranges: ReadonlyMap<number, Range>, io: IoMode = 'float', given?: GivenParams, keep?: ReadonlyMap<number, FloatReason>): QuantizeReport {
  const places = opPlaces(graph);
  const rewriter = new Int8Rewriter(graph, ranges, io, given, keep);
  const { graph: q, report: int8 } = rewriter.run();
  const report = newReport('int8', int8.perOp.map((decision, i) => ({ ...places[i]!, ...decision })));
  report.weights = { ...rewriter.weights };
  if (int8.quantizeOps + int8.requantizeOps) countAdded(report, 'QUANTIZE', int8.quantizeOps + int8.requantizeOps);
  if (int8.dequantizeOps) countAdded(report, 'DEQUANTIZE', int8.dequantizeOps);
  if (int8.requantizeOps) report.notes.push({ code: 'requantized', operators: int8.requantizeOps });
  for (const e of [...int8.inputs.map((x) => ['input', x] as const), ...int8.outputs.map((x) => ['output', x] as const)]) {
    const [kind, x] = e;
    if (x.type === 'INT8') report.notes.push({ code: 'int8-io', kind, name: x.name, scale: x.scale!, zeroPoint: x.zeroPoint! });
  }
  // the float graph's tensors and operators are replaced wholesale (nothing else holds their indexes)
  graph.tensors.splice(0, graph.tensors.length, ...q.tensors);
  graph.operators.splice(0, graph.operators.length, ...q.operators);
  graph.inputs = q.inputs;
  graph.outputs = q.outputs;
  graph.signatureInputs = q.signatureInputs;
  graph.signatureOutputs = q.signatureOutputs;
  return report;
}

/**
 * The int8 model of float graph `g`, given the calibrated min/max of its inputs and activations
 * (collectRanges). `g` is not changed. `keep`: operator indexes kept float, with why; `floatByPlace: false`
 * leaves out the operators row-norm.ts keeps float by where they sit (to measure what they cost).
 */
export function quantizeInt8(g: TfliteGraph, ranges: ReadonlyMap<number, Range>, opts: { io?: IoMode; keep?: ReadonlyMap<number, FloatReason>; floatByPlace?: boolean } = {}): { graph: TfliteGraph; report: Int8Report } {
  return new Int8Rewriter(g, ranges, opts.io ?? 'float', undefined, opts.keep, opts.floatByPlace ?? true).run();
}
