/** Sin -> SIN (elementwise, layout-neutral); folded on constants (Llama's rotary tables in the TorchScript export). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Sin', [7], 'SIN', [], Math.sin)] satisfies Lowering[];
