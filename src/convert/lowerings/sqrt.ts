/** Sqrt -> SQRT (elementwise, layout-neutral). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Sqrt', [6,13], 'SQRT', [], Math.sqrt)] satisfies Lowering[];
