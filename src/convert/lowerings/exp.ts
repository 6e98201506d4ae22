/** Exp -> EXP (elementwise, layout-neutral). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Exp', [6,13], 'EXP', [], Math.exp)] satisfies Lowering[];
