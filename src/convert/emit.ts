/**
 * The lowering context: maps IR values to TFLite tensors in a chosen layout (see layout.ts),
 * inserting TRANSPOSE / RESHAPE only when a consumer needs a layout no producer gave.
 */
import { OnnxDataType } from '../onnx/model.js';
import type { ConstTensor } from '../onnx/tensor.js';
import { refuse, type IrGraph, type IrNode, type IrValue } from './ir.js';
import { InferContext } from './lowering.js';
import { identity, permute, preferredPerm, samePerm, sameMemoryOrder, transposeData } from './layout.js';
import type { OperatorOptions, TfliteGraph } from './tflite/model.js';
import type { BuiltinOpName, OptionsName, TensorTypeName } from './tflite/schema.js';

export interface View {
  tensor: number;
  perm: number[];
}

/** Shape and value look-ups come from InferContext; this adds the TFLite side. */
export class EmitContext extends InferContext {
  private readonly views = new Map<string, View[]>();
  /** constant value + layout + physical shape -> its TFLite tensor */
  private readonly constTensors = new Map<string, number>();

  constructor(ir: IrGraph, readonly g: TfliteGraph) {
    super(ir);
  }

  isConst(name: string): boolean {
    return !!this.ir.values.get(name)?.const;
  }

  constOf(name: string): ConstTensor | undefined {
    return this.ir.values.get(name)?.const;
  }

  /** The first (producer's) view of a non-constant value. */
  primary(name: string): View {
    const c = this.constOf(name);
    if (c) return { tensor: this.constTensor(name, preferredPerm(c.shape.length)), perm: preferredPerm(c.shape.length) };
    const v = this.views.get(name)?.[0];
    if (!v) refuse('never-produced', { value: name, role: 'value' });
    return v;
  }

  /** Every TFLite tensor written for a run-time value (its producer's and its re-laid-out views). */
  viewsOf(name: string): readonly View[] {
    return this.views.get(name) ?? [];
  }

  /** Every TFLite tensor written for the constant `name` (any layout). */
  constTensorsOf(name: string): number[] {
    // broadcast operands are cached under `${name}__rank${r}` (broadcastConst)
    const base = (k: string) => k.slice(0, k.indexOf('|')).replace(/__rank\d+$/, '');
    return [...this.constTensors].filter(([k]) => base(k) === name).map(([, t]) => t);
  }

  define(name: string, tensor: number, perm: number[]): void {
    this.views.set(name, [{ tensor, perm }]);
  }

  tensorType(name: string): TensorTypeName {
    const dt = this.value(name).dtype;
    if (dt === OnnxDataType.FLOAT) return 'FLOAT32';
    if (dt === OnnxDataType.INT32) return 'INT32';
    // int64 is int32 in the .tflite: run-time values come from int64 inputs taken as int32 (build-ir.ts); int64
    // arithmetic on them is proven to fit int32 or bounded by passes/int-ranges.ts; constants are written int32
    // (constTensor, range-checked)
    if (dt === OnnxDataType.INT64) return 'INT32';
    if (dt === OnnxDataType.BOOL) return 'BOOL';
    refuse('dtype-unsupported', { value: name, dtype: dt, role: 'value' });
  }

  newTensor(name: string, physShape: number[], type: TensorTypeName = 'FLOAT32'): number {
    return this.g.addTensor(name, physShape, type);
  }

  /** Creates the tensor for an IR output value in layout `perm` and records it. */
  output(name: string, perm: number[]): number {
    const t = this.newTensor(name, permute(this.shape(name), perm), this.tensorType(name));
    this.define(name, t, perm);
    return t;
  }

  op<T extends OptionsName>(op: BuiltinOpName, inputs: number[], outputs: number[], options?: OperatorOptions<T>, version?: number): void {
    this.g.addOp(op, inputs, outputs, options, version);
  }

  int32Const(name: string, values: number[]): number {
    return this.g.addInt32Const(name, [values.length], values);
  }

  floatConst(name: string, shape: number[], values: ArrayLike<number>): number {
    return this.g.addFloatConst(name, shape, values);
  }

  /** A constant IR value as a TFLite tensor, data laid out in `perm`. */
  constTensor(name: string, perm: number[], physShapeOverride?: number[]): number {
    const c = this.constOf(name);
    if (!c) refuse('not-constant', { value: name });
    const key = `${name}|${perm.join(',')}|${physShapeOverride?.join(',') ?? ''}`;
    const found = this.constTensors.get(key);
    if (found !== undefined) return found;
    const data = transposeData(c.data, c.shape, perm);
    const shape = physShapeOverride ?? permute(c.shape, perm);
    let t: number;
    if (c.dtype === OnnxDataType.FLOAT || c.dtype === OnnxDataType.FLOAT16 || c.dtype === OnnxDataType.DOUBLE || c.dtype === OnnxDataType.BFLOAT16) {
      t = this.g.addFloatConst(name, shape, data);
    } else if (c.dtype === OnnxDataType.BOOL) {
      t = this.g.addBoolConst(name, shape, data);
    } else {
      for (const x of data) if (x > 2147483647 || x < -2147483648) refuse('int32-range', { what: 'constant', name, value: x });
      t = this.g.addInt32Const(name, shape, data);
    }
    this.constTensors.set(key, t);
    return t;
  }

  /** The TFLite tensor of `name` in layout `perm`, adding a TRANSPOSE or RESHAPE if needed. */
  getAs(name: string, perm: number[]): number {
    if (this.isConst(name)) return this.constTensor(name, perm);
    const list = this.views.get(name);
    if (!list || list.length === 0) refuse('never-produced', { value: name, role: 'value' });
    const exact = list.find((v) => samePerm(v.perm, perm));
    if (exact) return exact.tensor;
    const shape = this.shape(name);
    const src = list[0]!;
    const physOut = permute(shape, perm);
    const out = this.newTensor(`${name}_${perm.join('')}`, physOut, this.tensorType(name));
    if (sameMemoryOrder(shape, src.perm, perm)) {
      // only size-1 axes move: a reshape keeps the bytes
      this.op('RESHAPE', [src.tensor, this.int32Const(`${name}_shape`, physOut)], [out]);
    } else {
      const q = perm.map((a) => src.perm.indexOf(a));
      this.op('TRANSPOSE', [src.tensor, this.int32Const(`${name}_perm`, q)], [out]);
    }
    list.push({ tensor: out, perm: [...perm] });
    return out;
  }

  /** The value padded with leading size-1 axes to `rank` (numpy broadcasting), in layout `perm`. */
  getBroadcast(name: string, rank: number, perm: number[]): number {
    const shape = this.shape(name);
    if (shape.length === rank) return this.getAs(name, perm);
    const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
    const alias = `${name}__rank${rank}`;
    if (!this.views.has(alias)) {
      this.ir.values.set(alias, { name: alias, dtype: this.value(name).dtype, shape: padded });
      const src = this.getAs(name, identity(shape.length));
      const t = this.newTensor(alias, padded, this.tensorType(name));
      this.op('RESHAPE', [src, this.int32Const(`${alias}_shape`, padded)], [t]);
      this.define(alias, t, identity(rank));
    }
    return this.getAs(alias, perm);
  }

  /**
   * A constant operand of a broadcasting op: padded to the output rank, laid out in `perm`,
   * leading size-1 physical axes dropped (TFLite broadcasts from the trailing axes too).
   */
  broadcastConst(name: string, rank: number, perm: number[]): number {
    const c = this.constOf(name)!;
    const padded = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
    const phys = permute(padded, perm);
    while (phys.length > 1 && phys[0] === 1) phys.shift();
    const alias = `${name}__rank${rank}`;
    if (!this.ir.values.has(alias)) this.ir.values.set(alias, { name: alias, dtype: c.dtype, shape: padded, const: { ...c, shape: padded } });
    return this.constTensor(alias, perm, phys);
  }

  /**
   * The layout for an op combining several same-rank values: the preferred layout if some input
   * already has it (so the others are transposed, not the conv outputs), else the first input's.
   */
  commonPerm(inputs: string[], rank: number): number[] {
    const perms = inputs.filter((i) => !this.isConst(i) && this.shape(i).length === rank).map((i) => this.primary(i).perm);
    const preferred = preferredPerm(rank);
    return perms.find((p) => samePerm(p, preferred)) ?? perms[0] ?? preferred;
  }

  node(n: IrNode): string {
    return n.name || n.outputs[0] || n.op;
  }
}
