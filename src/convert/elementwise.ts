/** Shared lowering for broadcasting binary ops and layout-neutral unary ops. */
import { OnnxDataType } from '../onnx/model.js';
import { isIntegerType, isRunTimeIntType } from '../onnx/tensor.js';
import type { EmitContext } from './emit.js';
import { onlyAttrs, refuse, type IrNode } from './ir.js';
import type { InferContext, Lowering } from './lowering.js';
import { broadcastBinary, broadcastShapes, constOf, fusedAct, intResult, requireFloat } from './lower-util.js';
import { OptionsTables, type BuiltinOpName, type OptionsName, type TypedOptions } from './tflite/schema.js';

/** Run-time integer element types: int32 tensors in the .tflite (emit.ts tensorType). */

/**
 * The operand kind of a broadcasting op: 'float', or with `ints` 'int' when both operands are
 * int32/int64 (run-time integers are int32 in the .tflite; int64 arithmetic on them is checked by
 * passes/int-ranges.ts, which proves it fits int32 or states the input bound that keeps it exact).
 */
function operandKind(n: IrNode, ctx: InferContext, ints: boolean): 'float' | 'int' {
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  if (ints && isRunTimeIntType(ctx.dtype(a)) && isRunTimeIntType(ctx.dtype(b))) return 'int';
  if (!ctx.const(a)) requireFloat(ctx, a);
  if (!ctx.const(b)) requireFloat(ctx, b);
  return 'float';
}

/** Two float (or constant) inputs broadcast against each other; the result has `dtype` (integer operands: their own type). */
function inferBroadcast(n: IrNode, ctx: InferContext, dtype: number, ints = false) {
  onlyAttrs(n, []);
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  const kind = operandKind(n, ctx, ints);
  return [{ shape: broadcastShapes(ctx.shape(a), ctx.shape(b)), dtype: kind === 'int' && dtype !== OnnxDataType.BOOL ? ctx.dtype(a) : dtype }];
}

/** `ints`: integer operands too (Add, Sub, Mul: TFLite's int32 kernels), else float only. */
export function binaryLowering(op: string, versions: number[], tfOp: BuiltinOpName, table: OptionsName, f: (x: number, y: number) => number, ints = false): Lowering {
  return {
    op,
    versions,
    infer: (n: IrNode, ctx: InferContext) => inferBroadcast(n, ctx, OnnxDataType.FLOAT, ints),
    fold(n: IrNode, ctx: InferContext) {
      const a = ctx.const(n.inputs[0]!);
      const b = ctx.const(n.inputs[1]!);
      if (!a || !b) return undefined;
      return [broadcastBinary(a, b, (x, y) => intResult(a.dtype, f(x, y)))];
    },
    lower(n: IrNode, ctx: EmitContext) {
      lowerBroadcast(n, ctx, tfOp, table, n.inputs.slice(0, 2), operandKind(n, ctx, ints));
    },
  };
}

/**
 * The constant element types each kind of broadcasting op takes (float arithmetic; bool logic, e.g. LOGICAL_AND;
 * integer arithmetic and comparisons, written int32 and range-checked by constTensor).
 */
const OPERAND_TYPES = {
  float: [OnnxDataType.FLOAT, OnnxDataType.DOUBLE, OnnxDataType.FLOAT16], bool: [OnnxDataType.BOOL], int: [OnnxDataType.INT32, OnnxDataType.INT64],
} as const;

/** Emits one broadcasting TFLite op over `inputs`, all in the layout of the first non-constant one. */
export function lowerBroadcast(n: IrNode, ctx: EmitContext, tfOp: BuiltinOpName, table: OptionsName | undefined, inputs: string[],
  operands: keyof typeof OPERAND_TYPES = 'float'): void {
  const outShape = ctx.shape(n.outputs[0]!);
  const r = outShape.length;
  const perm = ctx.commonPerm(inputs, r);
  const tensors = inputs.map((i) => {
    if (ctx.isConst(i)) {
      if (!(OPERAND_TYPES[operands] as readonly number[]).includes(ctx.value(i).dtype)) refuse('dtype-unsupported', { value: i, dtype: ctx.value(i).dtype, role: 'constant', expected: operands });
      return ctx.broadcastConst(i, r, perm);
    }
    return ctx.getBroadcast(i, r, perm);
  });
  const out = ctx.output(n.outputs[0]!, perm);
  const values = table && 'fused_activation_function' in OptionsTables[table].fields ? { fused_activation_function: fusedAct(n) } : {};
  // the table is chosen by the caller, so its field set is only known here, checked just above
  ctx.op(tfOp, tensors, [out], table ? ({ table, values } as TypedOptions) : undefined);
}

/**
 * A unary op whose TFLite twin needs no options: output keeps the input's layout. With `evaluate`,
 * the node is also folded when its input is a constant (e.g. Swin v2's constant position-bias MLP).
 */
export function unaryLowering(op: string, versions: number[], tfOp: BuiltinOpName, attrs: string[] = [], evaluate?: (x: number) => number): Lowering {
  return {
    op,
    versions,
    ...(evaluate ? { fold: (n: IrNode, ctx: InferContext) => unaryFold(n, ctx, attrs, evaluate) } : {}),
    infer(n, ctx) {
      onlyAttrs(n, attrs);
      requireFloat(ctx, n.inputs[0]!);
      return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
    },
    lower(n, ctx) {
      lowerUnary(n, ctx, tfOp);
    },
  };
}

export function lowerUnary(n: IrNode, ctx: EmitContext, tfOp: BuiltinOpName): void {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op(tfOp, [src.tensor], [out]);
}

/**
 * ONNX's variadic Max/Min (Sum, Mean's kin): one input is the input itself; n inputs fold pairwise
 * on constants, and at run time are a chain of n-1 broadcasting TFLite binary ops, each step's
 * result an IR value of its own (`<node>__stepK`).
 */
export function variadicLowering(base: Lowering & { op: string }, tfOp: BuiltinOpName, table: OptionsName, f: (x: number, y: number) => number): Lowering {
  const present = (n: IrNode) => n.inputs.filter((i) => i);
  return {
    ...base,
    infer(n, ctx) {
      onlyAttrs(n, []);
      const ins = present(n);
      if (ins.length === 0) refuse('no-inputs');
      for (const i of ins) if (!ctx.const(i)) requireFloat(ctx, i);
      return [{ shape: ins.map((i) => ctx.shape(i)).reduce(broadcastShapes), dtype: OnnxDataType.FLOAT }];
    },
    fold(n, ctx) {
      const cs = present(n).map((i) => ctx.const(i));
      if (!cs.every((c) => c)) return undefined;
      return [cs.reduce((a, b) => broadcastBinary(a!, b!, (x, y) => intResult(a!.dtype, f(x, y))))!];
    },
    lower(n, ctx) {
      const ins = present(n);
      if (ins.length === 1) {
        const src = ctx.primary(ins[0]!);
        ctx.define(n.outputs[0]!, src.tensor, src.perm);
        return;
      }
      let acc = ins[0]!;
      for (let k = 1; k < ins.length; k++) {
        const last = k === ins.length - 1;
        const target = last ? n.outputs[0]! : `${ctx.node(n)}__step${k}`;
        if (!last) ctx.ir.values.set(target, { name: target, dtype: OnnxDataType.FLOAT, shape: broadcastShapes(ctx.shape(acc), ctx.shape(ins[k]!)) });
        lowerBroadcast({ ...n, inputs: [acc, ins[k]!], outputs: [target] }, ctx, tfOp, table, [acc, ins[k]!]);
        acc = target;
      }
    },
  };
}

/**
 * Evaluates a unary op on a constant input; undefined when the input is computed. Integer constants
 * fold too: ONNX admits them only for Abs, Neg and Relu here, exact on integers (T5's relative
 * position buckets take Abs of int64 positions).
 */
export function unaryFold(n: IrNode, ctx: InferContext, attrs: string[], evaluate: (x: number) => number) {
  onlyAttrs(n, attrs);
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  if (c.dtype !== OnnxDataType.FLOAT && c.dtype !== OnnxDataType.DOUBLE && !isIntegerType(c.dtype)) return undefined;
  return [constOf(c.dtype, c.shape, Array.from(c.data, evaluate))];
}

/**
 * A broadcasting comparison (Equal, Less, ...): folded on constants; at run time a TFLite comparison
 * of two float tensors, or two integer ones (int32 in the .tflite: token ids against a padding id),
 * giving a BOOL tensor.
 */
export function compareLowering(op: string, versions: number[], tfOp: BuiltinOpName, table: OptionsName, f: (x: number, y: number) => boolean): Lowering {
  return {
    op,
    versions,
    infer: (n: IrNode, ctx: InferContext) => inferBroadcast(n, ctx, OnnxDataType.BOOL, true),
    fold(n: IrNode, ctx: InferContext) {
      onlyAttrs(n, []);
      const a = ctx.const(n.inputs[0]!);
      const b = ctx.const(n.inputs[1]!);
      if (!a || !b) return undefined;
      return [broadcastBinary(a, b, (x, y) => (f(x, y) ? 1 : 0), OnnxDataType.BOOL)];
    },
    lower(n: IrNode, ctx: EmitContext) {
      lowerBroadcast(n, ctx, tfOp, table, n.inputs.slice(0, 2), operandKind(n, ctx, true));
    },
  };
}
