/** ReduceMin -> REDUCE_MIN (axes attribute before 18, axes input from 18). */
import type { Lowering } from '../lowering.js';
import { reduceLowering } from '../reduce.js';

export default [reduceLowering('ReduceMin', [1, 11, 12, 13, 18, 20], 'REDUCE_MIN', 18)] satisfies Lowering[];
