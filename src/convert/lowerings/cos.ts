/** Cos -> COS (elementwise, layout-neutral); folded on constants (Llama's rotary tables in the TorchScript export). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Cos', [7], 'COS', [], Math.cos)] satisfies Lowering[];
