/** Log -> LOG (elementwise, layout-neutral); folded on constants (T5's relative position buckets). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Log', [6, 13], 'LOG', [], Math.log)] satisfies Lowering[];
