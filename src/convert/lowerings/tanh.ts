/** Tanh -> TANH (elementwise, layout-neutral). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Tanh', [6,13], 'TANH', [], Math.tanh)] satisfies Lowering[];
