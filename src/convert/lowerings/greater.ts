/** Greater: folded on constants; at run time GREATER on float tensors. */
import { compareLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [compareLowering('Greater', [1, 7, 9, 13], 'GREATER', 'GreaterOptions', (x, y) => x > y)] satisfies Lowering[];
