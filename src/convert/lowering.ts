/** What one lowering (ONNX op, since_versions) provides. */
import type { ConstTensor } from '../onnx/tensor.js';
import type { EmitContext } from './emit.js';
import { refuse, type IrGraph, type IrNode, type IrValue } from './ir.js';

/** A folded constant may always hold this many elements (~12 MB while folding). */
export const FOLD_FLOOR = 2 ** 20;

export class InferContext {
  /**
   * Elements one folded constant may hold: twice the model's own constants, at least FOLD_FLOOR, so a
   * tiny file cannot expand into a huge tensor (ConstantOfShape of [2^20, 4], a broadcast of two ramps).
   */
  readonly foldLimit: number;

  constructor(readonly ir: IrGraph) {
    let n = 0;
    for (const v of ir.values.values()) if (v.const) n += v.const.data.length;
    this.foldLimit = Math.max(FOLD_FLOOR, 2 * n);
  }

  /** Refuses before folding something larger than foldLimit. */
  checkFoldSize(count: number, what: string): void {
    if (!(count <= this.foldLimit)) refuse('fold-too-large', { op: what, count, limit: this.foldLimit, floor: FOLD_FLOOR });
  }

  value(name: string): IrValue {
    const v = this.ir.values.get(name);
    if (!v) refuse('never-produced', { value: name, role: 'value' });
    return v;
  }
  shape(name: string): number[] {
    const s = this.value(name).shape;
    if (!s) refuse('shape-unknown', { value: name });
    return s;
  }
  dtype(name: string): number {
    return this.value(name).dtype;
  }
  const(name: string): ConstTensor | undefined {
    if (!name) return undefined;
    return this.ir.values.get(name)?.const;
  }
  /** A constant input the lowering needs (e.g. a reshape target); refuses if it is computed at run time. */
  needConst(node: IrNode, index: number, what: string): ConstTensor {
    const name = node.inputs[index];
    const c = name ? this.const(name) : undefined;
    if (!c) refuse('const-input-required', { input: what, index });
    return c;
  }
  has(node: IrNode, index: number): boolean {
    return !!node.inputs[index];
  }
}

export interface OutputInfo {
  shape: number[];
  dtype: number;
}

export interface Lowering {
  op: string;
  /** the ONNX since_versions of `op` whose semantics this lowering implements */
  versions: number[];
  /** output shapes and types; refuses attribute values it does not implement */
  infer(node: IrNode, ctx: InferContext): OutputInfo[];
  /** evaluates the node when its inputs are constant (shape arithmetic); undefined = not folded */
  fold?(node: IrNode, ctx: InferContext): ConstTensor[] | undefined;
  /** true for ops handled only when they fold to constants (Shape, Gather on shapes, ...) */
  constantOnly?: boolean;
  /** emits TFLite operators for the node */
  lower(node: IrNode, ctx: EmitContext): void;
}

export function notLowered(): never {
  refuse('constant-only');
}
