/** Max of two inputs (numpy broadcasting) -> MAXIMUM; more than two inputs are refused. */
import { binaryLowering } from '../elementwise.js';
import { refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';

const base = binaryLowering('Max', [8, 12, 13], 'MAXIMUM', 'MaximumMinimumOptions', (x, y) => Math.max(x, y));

export default [
  {
    ...base,
    infer(n: IrNode, ctx: InferContext) {
      if (n.inputs.filter((i) => i).length !== 2) refuse('only two inputs are supported');
      return base.infer(n, ctx);
    },
  },
] satisfies Lowering[];
