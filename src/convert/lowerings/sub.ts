/** Sub (numpy broadcasting) -> SUB, on float or int tensors (see add.ts); NCHW constant operands are re-laid-out for the tensor's layout. */
import { binaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [binaryLowering('Sub', [7, 13, 14], 'SUB', 'SubOptions', (x, y) => x-y, true)] satisfies Lowering[];
