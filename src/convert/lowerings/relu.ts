/** Relu -> RELU (or fused into the producer by passes/fuse-activation.ts). */
import { unaryLowering } from '../elementwise.js';
import type { Lowering } from '../lowering.js';

export default [unaryLowering('Relu', [6, 13, 14], 'RELU', [], (x) => Math.max(x, 0))] satisfies Lowering[];
