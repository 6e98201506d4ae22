/** Abs -> ABS (elementwise, layout-neutral). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Abs', [6,13], 'ABS', [], Math.abs)] satisfies Lowering[];
