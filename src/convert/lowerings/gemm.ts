/**
 * Gemm (constant B) -> FULLY_CONNECTED: weights [N, K] (transB handled), alpha folded into weights,
 * beta*C into the bias (a full [M, N] C becomes an ADD), transA through a TRANSPOSE of A.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { fusedAct, requireFloat } from '../lower-util.js';

function dims(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>) {
  onlyAttrs(n, ['alpha', 'beta', 'transA', 'transB', 'broadcast']);
  const transA = attrInt(n, 'transA', 0) === 1;
  const a0 = ctx.shape(n.inputs[0]!);
  // transA: A^T is A's tensor stored with layout [1, 0] (a TRANSPOSE emitted by getAs)
  const a = transA ? [a0[1]!, a0[0]!] : a0;
  const b = ctx.const(n.inputs[1]!);
  if (!b) refuse('B (input 1) is computed at run time; only constant weights are supported');
  if (a0.length !== 2 || b.shape.length !== 2) refuse('A and B must be 2-D');
  const transB = attrInt(n, 'transB', 0) === 1;
  const [k, nOut] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (a[1] !== k) refuse(`inner dimensions differ (${a[1]} vs ${k})`);
  let bias: Float32Array = new Float32Array(nOut);
  /** a full [M, N] C: added after FULLY_CONNECTED */
  let matrixBias: Float32Array | undefined;
  if (n.inputs[2]) {
    const c = ctx.const(n.inputs[2]);
    if (!c) refuse('C (input 2) is computed at run time');
    const beta = attrFloat(n, 'beta', 1);
    if (c.data.length === nOut && (c.shape.length === 1 || (c.shape.length === 2 && c.shape[0] === 1))) bias = Float32Array.from(c.data, (v) => v * beta);
    else if (c.data.length === 1) bias = new Float32Array(nOut).fill(c.data[0]! * beta);
    else if (c.shape.length === 2 && c.shape[0] === a[0] && c.shape[1] === nOut) matrixBias = Float32Array.from(c.data, (v) => v * beta);
    else refuse(`C of shape [${c.shape}] does not broadcast to [${a[0]}, ${nOut}]`);
  }
  return { a, b, transA, transB, k, nOut, bias, matrixBias };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const { a, nOut } = dims(n, ctx);
  return [{ shape: [a[0]!, nOut], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { a, b, transA, transB, k, nOut, bias, matrixBias } = dims(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const alpha = attrFloat(n, 'alpha', 1);
  const laid = transB ? b.data : transposeData(b.data, b.shape, [1, 0]);
  const w = alpha === 1 ? laid : laid.map((v) => v * alpha);
  const name = ctx.node(n);
  const input = ctx.getAs(n.inputs[0]!, transA ? [1, 0] : identity(2));
  const out = ctx.output(n.outputs[0]!, identity(2));
  const fc = matrixBias ? ctx.newTensor(`${name}_fc`, [a[0]!, nOut]) : out;
  ctx.op('FULLY_CONNECTED', [input, ctx.floatConst(`${name}_weights`, [nOut, k], w), ctx.floatConst(`${name}_bias`, [nOut], bias)], [fc], {
    table: 'FullyConnectedOptions', values: { fused_activation_function: matrixBias ? 0 : fusedAct(n) },
  });
  if (matrixBias) {
    ctx.op('ADD', [fc, ctx.floatConst(`${name}_c`, [a[0]!, nOut], matrixBias)], [out], { table: 'AddOptions', values: { fused_activation_function: fusedAct(n) } });
  }
}

export default [{ op: 'Gemm', versions: [7, 9, 11, 13], infer, lower }] satisfies Lowering[];
