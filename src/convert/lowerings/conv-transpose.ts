/**
 * ConvTranspose (2-D, group 1, no dilation) -> TRANSPOSE_CONV with VALID padding (the full
 * (in-1)*s + k output), then a STRIDED_SLICE cropping ONNX's pads; output_padding is covered when it
 * falls inside the end pad (PyTorch's stride-2 "padding=1, output_padding=1" case).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { Padding } from '../tflite/schema.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>) {
  onlyAttrs(n, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'pads', 'strides', 'output_shape']);
  const x = ctx.shape(n.inputs[0]!);
  const w = ctx.const(n.inputs[1]!);
  if (!w) refuse('weights (input 1) are computed at run time');
  if (x.length !== 4 || w.shape.length !== 4) refuse('only 2-D transposed convolution (4-D input) is supported');
  if (attrInt(n, 'group', 1) !== 1) refuse('group > 1 is not supported');
  if (attrString(n, 'auto_pad', 'NOTSET') !== 'NOTSET') refuse('auto_pad is not supported');
  if (n.attrs.has('output_shape')) refuse('output_shape is not supported');
  if ((attrInts(n, 'dilations') ?? [1, 1]).some((d) => d !== 1)) refuse('dilations are not supported');
  const [cin, cout, kh, kw] = w.shape as [number, number, number, number];
  if (cin !== x[1]) refuse('weights do not match the input channels');
  const ks = attrInts(n, 'kernel_shape');
  if (ks && (ks[0] !== kh || ks[1] !== kw)) refuse('kernel_shape does not match the weights');
  const strides = attrInts(n, 'strides') ?? [1, 1];
  const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  const outPad = attrInts(n, 'output_padding') ?? [0, 0];
  if (strides.length !== 2 || pads.length !== 4 || outPad.length !== 2 || pads.some((p) => p < 0)) refuse('unsupported strides/pads/output_padding');
  const full = [(x[2]! - 1) * strides[0]! + kh, (x[3]! - 1) * strides[1]! + kw];
  const out = [0, 1].map((i) => full[i]! + outPad[i]! - pads[i]! - pads[i + 2]!);
  for (let i = 0; i < 2; i++) {
    if (outPad[i]! > pads[i + 2]!) refuse('output_padding larger than the end pad is not supported');
    if (out[i]! < 1) refuse('output would be empty');
  }
  if (n.inputs[2] && !ctx.const(n.inputs[2])) refuse('bias (input 2) is computed at run time');
  return { x, w, cout, kh, kw, strides, pads, full, out };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const p = plan(n, ctx);
  return [{ shape: [p.x[0]!, p.cout, p.out[0]!, p.out[1]!], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const name = ctx.node(n);
  const input = ctx.getAs(n.inputs[0]!, NHWC);
  // ONNX weights [C_in, C_out, kh, kw] -> TFLite [C_out, kh, kw, C_in]
  const filter = ctx.floatConst(`${name}_filter`, [p.cout, p.kh, p.kw, p.x[1]!], transposeData(p.w.data, p.w.shape, [1, 2, 3, 0]));
  const bias = ctx.floatConst(`${name}_bias`, [p.cout], n.inputs[2] ? ctx.constOf(n.inputs[2])!.data : new Float32Array(p.cout));
  const fullShape = [p.x[0]!, p.full[0]!, p.full[1]!, p.cout];
  const crop = p.pads.some((v) => v !== 0) || p.out[0] !== p.full[0] || p.out[1] !== p.full[1];
  const out = ctx.output(n.outputs[0]!, NHWC);
  const convOut = crop ? ctx.newTensor(`${name}_full`, fullShape) : out;
  ctx.op('TRANSPOSE_CONV', [ctx.int32Const(`${name}_output_shape`, fullShape), filter, input, bias], [convOut], {
    table: 'TransposeConvOptions', values: { padding: Padding.VALID, stride_w: p.strides[1]!, stride_h: p.strides[0]! },
  }, 3);
  if (crop) {
    const begin = [0, p.pads[0]!, p.pads[1]!, 0];
    const end = [p.x[0]!, p.pads[0]! + p.out[0]!, p.pads[1]! + p.out[1]!, p.cout];
    ctx.op('STRIDED_SLICE', [convOut, ctx.int32Const(`${name}_begin`, begin), ctx.int32Const(`${name}_end`, end), ctx.int32Const(`${name}_strides`, [1, 1, 1, 1])], [out], {
      table: 'StridedSliceOptions', values: {},
    });
  }
}

export default [{ op: 'ConvTranspose', versions: [1, 11, 22], infer, lower }] satisfies Lowering[];
