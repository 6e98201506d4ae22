/**
 * ConvTranspose (2-D, and 1-D as 2-D over [N, C, 1, L]; group 1) -> TRANSPOSE_CONV with VALID padding
 * (the full (in-1)*s + k result, grown by any rows output_padding / output_shape add past it, which only
 * the bias reaches), then a STRIDED_SLICE cropping ONNX's pads. Dilations dilate the kernel with zeros.
 * Geometry (pads from output_shape / auto_pad) lives in geometry.ts.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { transposeConvGeometry } from '../geometry.js';
import { attrInt, attrInts, attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { NHWC, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { lowerReshape, requireFloat } from '../lower-util.js';
import { reshapeAlias } from '../spatial.js';
import { Padding } from '../tflite/schema.js';

function plan(n: IrNode, ctx: Pick<InferContext, 'shape' | 'const'>) {
  onlyAttrs(n, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'output_padding', 'pads', 'strides', 'output_shape']);
  const x0 = ctx.shape(n.inputs[0]!);
  const w0 = ctx.const(n.inputs[1]!);
  if (!w0) refuse('const-input-required', { input: 'weights', index: 1 });
  const oneD = x0.length === 3;
  if (x0.length !== 4 && !oneD) refuse('spatial-rank', { rank: x0.length });
  if (w0.shape.length !== x0.length) refuse('rank-unsupported', { operand: n.inputs[1]!, rank: w0.shape.length, min: x0.length, max: x0.length });
  if (attrInt(n, 'group', 1) !== 1) refuse('attr-unsupported', { attr: 'group', value: attrInt(n, 'group', 1), supported: '1' });
  const r = x0.length - 2;
  const [cin, cout] = w0.shape as [number, number];
  if (cin !== x0[1]) refuse('count-mismatch', { what: 'weights', count: cin, expected: x0[1]!, basis: 'input-channels' });
  const k0 = w0.shape.slice(2);
  const ks = attrInts(n, 'kernel_shape');
  if (ks && ks.join() !== k0.join()) refuse('kernel-shape-mismatch', { kernel: ks, weights: w0.shape });
  const ints = (name: string, dflt: number) => {
    const v = attrInts(n, name) ?? new Array<number>(name === 'pads' ? 2 * r : r).fill(dflt);
    if (v.length !== (name === 'pads' ? 2 * r : r)) refuse('count-mismatch', { what: name, count: v.length, expected: name === 'pads' ? 2 * r : r, basis: name === 'pads' ? 'kernel-rank-pairs' : 'kernel-rank' });
    return v;
  };
  const strides = ints('strides', 1);
  const dilations = ints('dilations', 1);
  if (strides.some((s) => s < 1)) refuse('values-invalid', { what: 'strides', values: strides, need: 'at-least-1' });
  if (dilations.some((d) => d < 1)) refuse('values-invalid', { what: 'dilations', values: dilations, need: 'at-least-1' });
  const outputShape0 = attrInts(n, 'output_shape');
  // output_shape may list all dims (N, C, spatial...) or only the spatial ones
  const outputShape = outputShape0 && outputShape0.length === r + 2 ? outputShape0.slice(2) : outputShape0;
  if (outputShape && outputShape.length !== r) refuse('count-mismatch', { what: 'output_shape', count: outputShape0!.length, expected: r, basis: 'kernel-rank' });
  const pads = attrInts(n, 'pads');
  const geo = transposeConvGeometry({ inHW: x0.slice(2), kernel: k0, strides, dilations, pads, outputPadding: ints('output_padding', 0),
    ...(outputShape ? { outputShape } : {}), autoPad: attrString(n, 'auto_pad', 'NOTSET') });
  if (n.inputs[2] && !ctx.const(n.inputs[2])) refuse('const-input-required', { input: 'bias', index: 2 });
  // everything below is 2-D: a 1-D op works on [N, C, 1, L]
  const two = <T>(v: T[], one: T): T[] => (oneD ? [one, v[0]!] : v);
  return {
    oneD, x: oneD ? [x0[0]!, x0[1]!, 1, x0[2]!] : x0, w: w0, cout, kernel: two(k0, 1), strides: two(strides, 1), dilations: two(dilations, 1),
    out: two(geo.out, 1), cropBegin: two(geo.cropBegin, 0), full: two(geo.full, 1),
  };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const p = plan(n, ctx);
  return [{ shape: p.oneD ? [p.x[0]!, p.cout, p.out[1]!] : [p.x[0]!, p.cout, p.out[0]!, p.out[1]!], dtype: OnnxDataType.FLOAT }];
}

/** ONNX weights [C_in, C_out, kh, kw] -> TFLite [C_out, kh', kw', C_in], dilated with zeros. */
function filterData(w: Float32Array | Float64Array, cin: number, cout: number, k: number[], d: number[]): { shape: number[]; data: Float32Array } {
  const [kh, kw] = k as [number, number];
  const [eh, ew] = [(kh - 1) * d[0]! + 1, (kw - 1) * d[1]! + 1];
  const data = new Float32Array(cout * eh * ew * cin);
  const t = transposeData(w, [cin, cout, kh, kw], [1, 2, 3, 0]);
  for (let o = 0; o < cout; o++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) {
    data[((o * eh + y * d[0]!) * ew + x * d[1]!) * cin + c] = t[((o * kh + y) * kw + x) * cin + c]!;
  }
  return { shape: [cout, eh, ew, cin], data };
}

function lower(n: IrNode, ctx: EmitContext) {
  const p = plan(n, { shape: (s) => ctx.shape(s), const: (s) => ctx.constOf(s) });
  const name = ctx.node(n);
  const xName = p.oneD ? reshapeAlias(ctx, n.inputs[0]!, `${n.inputs[0]!}__as2d`, p.x) : n.inputs[0]!;
  const y = n.outputs[0]!;
  const yName = p.oneD ? `${y}__2d` : y;
  if (p.oneD) ctx.ir.values.set(yName, { name: yName, dtype: ctx.value(y).dtype, shape: [p.x[0]!, p.cout, 1, p.out[1]!] });
  const input = ctx.getAs(xName, NHWC);
  const f = filterData(p.w.data, p.x[1]!, p.cout, p.kernel, p.dilations);
  const filter = ctx.floatConst(`${name}_filter`, f.shape, f.data);
  const bias = ctx.floatConst(`${name}_bias`, [p.cout], n.inputs[2] ? ctx.constOf(n.inputs[2])!.data : new Float32Array(p.cout));
  const fullShape = [p.x[0]!, p.full[0]!, p.full[1]!, p.cout];
  const crop = p.cropBegin.some((v) => v !== 0) || p.out[0] !== p.full[0] || p.out[1] !== p.full[1];
  const out = ctx.output(yName, NHWC);
  const convOut = crop ? ctx.newTensor(`${name}_full`, fullShape) : out;
  ctx.op('TRANSPOSE_CONV', [ctx.int32Const(`${name}_output_shape`, fullShape), filter, input, bias], [convOut], {
    table: 'TransposeConvOptions', values: { padding: Padding.VALID, stride_w: p.strides[1]!, stride_h: p.strides[0]! },
  }, 3);
  if (crop) {
    const begin = [0, p.cropBegin[0]!, p.cropBegin[1]!, 0];
    const end = [p.x[0]!, p.cropBegin[0]! + p.out[0]!, p.cropBegin[1]! + p.out[1]!, p.cout];
    ctx.op('STRIDED_SLICE', [convOut, ctx.int32Const(`${name}_begin`, begin), ctx.int32Const(`${name}_end`, end), ctx.int32Const(`${name}_strides`, [1, 1, 1, 1])], [out], {
      table: 'StridedSliceOptions', values: {},
    });
  }
  if (p.oneD) lowerReshape(ctx, yName, y);
}

export default [{ op: 'ConvTranspose', versions: [1, 11, 22], infer, lower }] satisfies Lowering[];
