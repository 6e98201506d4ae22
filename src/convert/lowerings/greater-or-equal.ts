/** GreaterOrEqual: folded on constants; at run time GREATER_EQUAL on float tensors. */
import { compareLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [compareLowering('GreaterOrEqual', [12, 16], 'GREATER_EQUAL', 'GreaterEqualOptions', (x, y) => x >= y)] satisfies Lowering[];
