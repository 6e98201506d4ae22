/** LessOrEqual: folded on constants; at run time LESS_EQUAL on float tensors. */
import { compareLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [compareLowering('LessOrEqual', [12, 16], 'LESS_EQUAL', 'LessEqualOptions', (x, y) => x <= y)] satisfies Lowering[];
