/** HardSwish (x * relu6(x + 3) / 6, same definition as TFLite) -> HARD_SWISH. */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('HardSwish', [14, 22], 'HARD_SWISH')] satisfies Lowering[];
