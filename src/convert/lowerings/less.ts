/** Less: folded on constants; at run time LESS on float tensors. */
import { compareLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [compareLowering('Less', [1, 7, 9, 13], 'LESS', 'LessOptions', (x, y) => x < y)] satisfies Lowering[];
