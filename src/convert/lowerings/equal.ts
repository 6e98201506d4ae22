/** Equal: folded on constants (shape logic, attention masks); at run time EQUAL on float or integer tensors (ids against a padding id). */
import { compareLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [compareLowering('Equal', [1, 7, 11, 13, 19], 'EQUAL', 'EqualOptions', (x, y) => x === y)] satisfies Lowering[];
