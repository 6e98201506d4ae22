/** Div (numpy broadcasting) -> DIV; NCHW constant operands are re-laid-out for the tensor's layout. */
import { binaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [binaryLowering('Div', [7, 13, 14], 'DIV', 'DivOptions', (x, y) => x/y)] satisfies Lowering[];
