/** Sigmoid -> LOGISTIC. */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Sigmoid', [6, 13], 'LOGISTIC')] satisfies Lowering[];
