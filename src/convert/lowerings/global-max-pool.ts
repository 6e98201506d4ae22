/** GlobalMaxPool -> REDUCE_MAX over the spatial axes with keep_dims (layout-aware axes). */
import type { Lowering } from '../lowering.js';
import { globalPoolLowering } from '../reduce.js';

export default [globalPoolLowering('GlobalMaxPool', [1, 22], 'REDUCE_MAX')] satisfies Lowering[];
