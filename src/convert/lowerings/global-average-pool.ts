/** GlobalAveragePool -> MEAN over the spatial axes with keep_dims (layout-aware axes). */
import type { Lowering } from '../lowering.js';
import { globalPoolLowering } from '../reduce.js';

export default [globalPoolLowering('GlobalAveragePool', [1, 22], 'MEAN')] satisfies Lowering[];
