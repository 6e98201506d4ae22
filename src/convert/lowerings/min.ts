/** Min of two inputs (numpy broadcasting) -> MINIMUM; more than two inputs are refused. */
import { binaryLowering, twoInputLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [
  twoInputLowering(binaryLowering('Min', [8, 12, 13], 'MINIMUM', 'MaximumMinimumOptions', (x, y) => Math.min(x, y))),
] satisfies Lowering[];
