/**
 * Gemm -> FULLY_CONNECTED. Constant B: weights [N, K] (transB handled), alpha folded into weights,
 * beta*C into the bias (a full [M, N] C becomes an ADD). B computed at run time: FULLY_CONNECTED takes
 * it as a tensor ([N, K], a TRANSPOSE when transB=0), alpha scales A, and C (constant or not) is added
 * after, scaled by beta. transA goes through a TRANSPOSE of A.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, fusedAct, requireFloat } from '../lower-util.js';

function dims(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>) {
  onlyAttrs(n, ['alpha', 'beta', 'transA', 'transB', 'broadcast']);
  const transA = attrInt(n, 'transA', 0) === 1;
  const a0 = ctx.shape(n.inputs[0]!);
  // transA: A^T is A's tensor stored with layout [1, 0] (a TRANSPOSE emitted by getAs)
  const a = transA ? [a0[1]!, a0[0]!] : a0;
  const b = ctx.const(n.inputs[1]!);
  const bShape = ctx.shape(n.inputs[1]!);
  if (a0.length !== 2 || bShape.length !== 2) refuse('rank-unsupported', a0.length !== 2 ? { operand: n.inputs[0]!, rank: a0.length, min: 2, max: 2 } : { operand: n.inputs[1]!, rank: bShape.length, min: 2, max: 2 });
  const transB = attrInt(n, 'transB', 0) === 1;
  const [k, nOut] = transB ? [bShape[1]!, bShape[0]!] : [bShape[0]!, bShape[1]!];
  if (a[1] !== k) refuse('inner-dims-differ', { a, b: transB ? [nOut, k] : [k, nOut] });
  let bias: Float32Array = new Float32Array(nOut);
  /** a full [M, N] C: added after FULLY_CONNECTED */
  let matrixBias: Float32Array | undefined;
  /** C computed at run time (or beside a run-time B): added after, times beta */
  let addC = false;
  if (n.inputs[2]) {
    const c = ctx.const(n.inputs[2]);
    const cShape = ctx.shape(n.inputs[2]);
    if (broadcastShapes([a[0]!, nOut], cShape).join() !== [a[0]!, nOut].join()) refuse('no-broadcast', { operand: 'C', shape: cShape, to: [a[0]!, nOut] });
    const beta = attrFloat(n, 'beta', 1);
    if (!c || !b) addC = true;
    else if (c.data.length === nOut && (c.shape.length === 1 || (c.shape.length === 2 && c.shape[0] === 1))) bias = Float32Array.from(c.data, (v) => v * beta);
    else if (c.data.length === 1) bias = new Float32Array(nOut).fill(c.data[0]! * beta);
    else matrixBias = Float32Array.from(c.data, (v) => v * beta);
  }
  return { a, b, transA, transB, k, nOut, bias, matrixBias, addC };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  requireFloat(ctx, n.inputs[1]!);
  const { a, nOut } = dims(n, ctx);
  return [{ shape: [a[0]!, nOut], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { a, b, transA, transB, k, nOut, bias, matrixBias, addC } = dims(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const alpha = attrFloat(n, 'alpha', 1);
  const name = ctx.node(n);
  let input = ctx.getAs(n.inputs[0]!, transA ? [1, 0] : identity(2));
  let weights: number;
  if (b) {
    const laid = transB ? b.data : transposeData(b.data, b.shape, [1, 0]);
    weights = ctx.floatConst(`${name}_weights`, [nOut, k], alpha === 1 ? laid : laid.map((v) => v * alpha));
  } else {
    weights = ctx.getAs(n.inputs[1]!, transB ? identity(2) : [1, 0]);
    if (alpha !== 1) {
      const scaled = ctx.newTensor(`${name}_alpha_a`, [a[0]!, k]);
      ctx.op('MUL', [input, ctx.floatConst(`${name}_alpha`, [], [alpha])], [scaled], { table: 'MulOptions', values: {} });
      input = scaled;
    }
  }
  const out = ctx.output(n.outputs[0]!, identity(2));
  const after = !!matrixBias || addC;
  const fc = after ? ctx.newTensor(`${name}_fc`, [a[0]!, nOut]) : out;
  ctx.op('FULLY_CONNECTED', [input, weights, addC ? -1 : ctx.floatConst(`${name}_bias`, [nOut], bias)], [fc], {
    table: 'FullyConnectedOptions', values: { fused_activation_function: after ? 0 : fusedAct(n) },
  });
  if (matrixBias) {
    ctx.op('ADD', [fc, ctx.floatConst(`${name}_c`, [a[0]!, nOut], matrixBias)], [out], { table: 'AddOptions', values: { fused_activation_function: fusedAct(n) } });
  } else if (addC) {
    const cName = n.inputs[2]!;
    let c = ctx.getAs(cName, identity(ctx.shape(cName).length));
    const beta = attrFloat(n, 'beta', 1);
    if (beta !== 1) {
      const scaled = ctx.newTensor(`${name}_beta_c`, ctx.shape(cName));
      ctx.op('MUL', [c, ctx.floatConst(`${name}_beta`, [], [beta])], [scaled], { table: 'MulOptions', values: {} });
      c = scaled;
    }
    ctx.op('ADD', [fc, c], [out], { table: 'AddOptions', values: { fused_activation_function: fusedAct(n) } });
  }
}

export default [{ op: 'Gemm', versions: [7, 9, 11, 13], infer, lower }] satisfies Lowering[];
