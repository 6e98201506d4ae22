/** Add (numpy broadcasting) -> ADD, on float tensors or int ones (int32 kernels; passes/int-ranges.ts checks int64 narrowing); NCHW constant operands are re-laid-out for the tensor's layout. */
import { binaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [binaryLowering('Add', [7, 13, 14], 'ADD', 'AddOptions', (x, y) => x+y, true)] satisfies Lowering[];
