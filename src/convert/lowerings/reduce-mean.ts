/** ReduceMean -> MEAN (axes attribute before 18, axes input from 18). */
import type { Lowering } from '../lowering.js';
import { reduceLowering } from '../reduce.js';

export default [reduceLowering('ReduceMean', [1, 11, 13, 18], 'MEAN', 18)] satisfies Lowering[];
