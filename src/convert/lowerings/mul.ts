/** Mul (numpy broadcasting) -> MUL, on float or int tensors (see add.ts); NCHW constant operands are re-laid-out for the tensor's layout. */
import { binaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [binaryLowering('Mul', [7, 13, 14], 'MUL', 'MulOptions', (x, y) => x*y, true)] satisfies Lowering[];
