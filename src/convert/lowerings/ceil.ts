/** Ceil -> CEIL (elementwise, layout-neutral, exact); folded on constants (MobileViT's patch grid, TorchScript export). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Ceil', [6, 13], 'CEIL', [], Math.ceil)] satisfies Lowering[];
