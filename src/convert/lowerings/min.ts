/** Min of any number of inputs (numpy broadcasting) -> a chain of MINIMUM (one input: itself). */
import { binaryLowering, variadicLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

const min = (x: number, y: number) => Math.min(x, y);

export default [
  variadicLowering(binaryLowering('Min', [8, 12, 13], 'MINIMUM', 'MaximumMinimumOptions', min), 'MINIMUM', 'MaximumMinimumOptions', min),
] satisfies Lowering[];
