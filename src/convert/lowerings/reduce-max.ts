/** ReduceMax -> REDUCE_MAX (axes attribute before 18, axes input from 18). */
import type { Lowering } from '../lowering.js';
import { reduceLowering } from '../reduce.js';

export default [reduceLowering('ReduceMax', [1, 11, 12, 13, 18, 20], 'REDUCE_MAX', 18)] satisfies Lowering[];
