/** Max of any number of inputs (numpy broadcasting) -> a chain of MAXIMUM (one input: itself). */
import { binaryLowering, variadicLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

const max = (x: number, y: number) => Math.max(x, y);

export default [
  variadicLowering(binaryLowering('Max', [8, 12, 13], 'MAXIMUM', 'MaximumMinimumOptions', max), 'MAXIMUM', 'MaximumMinimumOptions', max),
] satisfies Lowering[];
