/** Neg -> NEG (elementwise, layout-neutral). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Neg', [6,13], 'NEG', [], (x) => -x)] satisfies Lowering[];
