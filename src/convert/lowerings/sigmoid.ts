/** Sigmoid -> LOGISTIC. */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Sigmoid', [6, 13], 'LOGISTIC', [], (x) => 1 / (1 + Math.exp(-x)))] satisfies Lowering[];
