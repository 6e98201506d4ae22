/** Tile (constant repeats): folded on constants; else TILE with the repeats in the input's layout. */
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constFromCoords } from '../lower-util.js';
import { elementCount } from '../../onnx/tensor.js';
import { permute } from '../layout.js';

function repeats(n: IrNode, ctx: InferContext): number[] {
  onlyAttrs(n, []);
  const reps = Array.from(ctx.needConst(n, 1, 'repeats').data);
  if (reps.length !== ctx.shape(n.inputs[0]!).length) refuse('count-mismatch', { what: 'repeats', count: reps.length, expected: ctx.shape(n.inputs[0]!).length, basis: 'input-rank' });
  if (reps.some((v) => v < 1)) refuse('values-invalid', { what: 'repeats', values: reps, need: 'at-least-1' });
  return reps;
}

function infer(n: IrNode, ctx: InferContext) {
  const reps = repeats(n, ctx);
  return [{ shape: ctx.shape(n.inputs[0]!).map((d, i) => d * reps[i]!), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c || !ctx.const(n.inputs[1]!)) return undefined;
  const shape = infer(n, ctx)[0]!.shape;
  const count = elementCount(shape);
  if (count > 1 << 24) refuse('fold-too-large', { count, limit: 1 << 24 });
  return [constFromCoords(c, shape, (axis, i) => i % c.shape[axis]!)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const reps = repeats(n, ctx);
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('TILE', [src.tensor, ctx.int32Const(`${ctx.node(n)}_multiples`, permute(reps, src.perm))], [out], { table: 'TileOptions', values: {} });
}

export default [{ op: 'Tile', versions: [6, 13], infer, fold, lower }] satisfies Lowering[];
