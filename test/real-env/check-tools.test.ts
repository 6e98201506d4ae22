// The tools venv (torch, onnx, onnxruntime, ai-edge-litert; no onnx-tf, no TensorFlow).
import { describe, expect, it } from 'vitest';
import { codes, finding, realCheck } from '../diagnose/helpers/real-check.js';

describe('check on the real tools venv', () => {
  it('ONNX_TF_NOT_INSTALLED', async () => {
    const tools = await realCheck('tools', { deep: ['onnx_tf', 'onnx', 'torch'] });
    expect(codes(tools.static)).toContain('ONNX_TF_NOT_INSTALLED');
    expect(tools.static.routes.find((r) => r.id === 'onnx-tf')!.blockers).toEqual(['ONNX_TF_NOT_INSTALLED']);
    expect(finding(tools.deep!, 'ONNX_TF_NOT_INSTALLED')!.observed).toBe('confirmed');
    expect(tools.deep!.disagreements).toEqual([]);
    expect(codes((await realCheck('legacy')).static)).not.toContain('ONNX_TF_NOT_INSTALLED');
  });
});
