/** Max of two inputs (numpy broadcasting) -> MAXIMUM; more than two inputs are refused. */
import { binaryLowering, twoInputLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [
  twoInputLowering(binaryLowering('Max', [8, 12, 13], 'MAXIMUM', 'MaximumMinimumOptions', (x, y) => Math.max(x, y))),
] satisfies Lowering[];
