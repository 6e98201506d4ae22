/** Min of two inputs (numpy broadcasting) -> MINIMUM; more than two inputs are refused. */
import { binaryLowering } from '../elementwise.js';
import { refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';

const base = binaryLowering('Min', [8, 12, 13], 'MINIMUM', 'MaximumMinimumOptions', (x, y) => Math.min(x, y));

export default [
  {
    ...base,
    infer(n: IrNode, ctx: InferContext) {
      if (n.inputs.filter((i) => i).length !== 2) refuse('only two inputs are supported');
      return base.infer(n, ctx);
    },
  },
] satisfies Lowering[];
