// Seed failure 1 on real packages: torch 2.13.0's default export of a mean over H,W (what FBNet's
// pooling head does) gives ReduceMean-18, which the real onnx-tf 1.10.0 (legacy venv, where it
// imports) refuses; the fix's export option gives a model it converts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { ensureVenv } from '../../scripts/venvs.mjs';
import { codes, finding, realCheck, runPython } from '../diagnose/helpers/real-check.js';

const EXPORT = `
import sys, torch, onnx
class MeanHW(torch.nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3), keepdim=True)
kwargs = eval(sys.argv[2])  # a dict literal or dict(...) call from the test
torch.onnx.export(MeanHW(), (torch.randn(1, 3, 8, 8),), sys.argv[1], **kwargs)
m = onnx.load(sys.argv[1])
print([n.op_type for n in m.graph.node], [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0])
`;
const CONVERT = `
import sys, onnx
from onnx_tf.backend import prepare
prepare(onnx.load(sys.argv[1])).export_graph(sys.argv[2])
print('converted')
`;

describe('op-version gaps between torch export and onnx-tf', () => {
  it('ONNX_TF_OP_VERSION_GAP', async () => {
    const seed = await realCheck('seed');
    const legacy = await realCheck('legacy');
    expect(codes(seed.static)).toContain('ONNX_TF_OP_VERSION_GAP');
    expect(finding(seed.static, 'ONNX_TF_OP_VERSION_GAP')!.message).toContain('ReduceMean-18');
    expect(codes(legacy.static)).not.toContain('ONNX_TF_OP_VERSION_GAP'); // no torch there

    const tools = ensureVenv('tools') as { python: string };
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-gap-'));
    writeFileSync(join(dir, 'export.py'), EXPORT);
    writeFileSync(join(dir, 'convert.py'), CONVERT);

    // torch 2.13's default export (the same torch version as the seed venv)
    const def = await runPython(tools.python, [join(dir, 'export.py'), join(dir, 'default.onnx'), 'dict()']);
    expect(def.exitCode, def.stderr).toBe(0);
    expect(def.stdout).toMatch(/\['ReduceMean'\] (1[89]|2\d)/);
    const bad = await runPython(legacy.venv.python, [join(dir, 'convert.py'), join(dir, 'default.onnx'), join(dir, 'default_sm')]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('BackendIsNotSupposedToImplementIt: ReduceMean version 18 is not implemented.');

    // the rule's export-option fix
    const fix = finding(seed.static, 'ONNX_TF_OP_VERSION_GAP')!.fixes.find((f) => f.kind === 'export-option')!;
    // the exact keyword arguments the fix text gives
    const kwargs = /^torch\.onnx\.export\(model, args, "model\.onnx", (.*)\)$/.exec(fix.command)![1]!;
    expect(kwargs).toContain('dynamo=False, opset_version=12');
    const old = await runPython(tools.python, [join(dir, 'export.py'), join(dir, 'opset12.onnx'), `dict(${kwargs})`]);
    expect(old.exitCode, old.stderr).toBe(0);
    expect(old.stdout).toMatch(/\['ReduceMean'\] 12/);
    const good = await runPython(legacy.venv.python, [join(dir, 'convert.py'), join(dir, 'opset12.onnx'), join(dir, 'opset12_sm')]);
    expect(good.exitCode, good.stderr.slice(-2000)).toBe(0);
    expect(good.stdout).toContain('converted');
  });
});
