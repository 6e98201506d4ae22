/** Add (numpy broadcasting) -> ADD; NCHW constant operands are re-laid-out for the tensor's layout. */
import { binaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [binaryLowering('Add', [7, 13, 14], 'ADD', 'AddOptions', (x, y) => x+y)] satisfies Lowering[];
