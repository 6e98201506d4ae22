import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/util/errors.js';

// Simulates an install without the optional runtime: importing it fails as it would when absent.
vi.mock('onnxruntime-node', () => { throw new Error("Cannot find package 'onnxruntime-node'"); });

describe('verify without onnxruntime-node installed', () => {
  it('fails with one clear UserError naming the package to install', async () => {
    const { verifyConversion } = await import('../../src/verify/index.js');
    const err = await verifyConversion('/nonexistent.onnx', new URL(import.meta.url).pathname).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/--verify needs onnxruntime-node/);
    expect((err as UserError).hint).toMatch(/npm install onnxruntime-node@/);
  });
});
