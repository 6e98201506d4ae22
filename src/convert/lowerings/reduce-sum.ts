/** ReduceSum -> SUM (axes attribute before 13, axes input from 13); folded on integer constants. */
import type { Lowering } from '../lowering.js';
import { reduceLowering } from '../reduce.js';

export default [reduceLowering('ReduceSum', [1, 11, 13], 'SUM', 13, (a, x) => a + x)] satisfies Lowering[];
