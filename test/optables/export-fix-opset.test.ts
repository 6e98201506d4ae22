// ONNX_TF_OP_VERSION_GAP's export-option fix exports at one opset for any model: it must be the highest opset
// at which onnx-tf 1.10.0 (matrix/generated handler table) has handlers for every op version torch writes but
// rare ones, as its note says. Read from the rule's own command, so changing the data without the tables
// agreeing fails here.
import { describe, expect, it } from 'vitest';
import { loadMatrix } from '../../src/matrix/load.js';
import { onnxTfGaps } from '../../src/optables/coverage.js';
import { onnxSchemas } from '../../src/optables/tables.js';

// the ops the note calls rare (losses, Unique, MaxRoiPool) and the deprecated ones torch no longer writes
const RARE = new Set(['MaxRoiPool', 'NegativeLogLikelihoodLoss', 'SoftmaxCrossEntropyLoss', 'Unique', 'StringNormalizer', 'Scatter', 'Upsample']);

/** Ops onnx-tf lacks at an opset, among every ai.onnx op that exists there, but the rare ones. */
function commonGaps(opset: number): string[] {
  const ops = Object.entries(onnxSchemas().ops).filter(([, s]) => s.since_versions[0]! <= opset).map(([op]) => op);
  return onnxTfGaps(ops, opset).filter((g) => !RARE.has(g.op)).map((g) => `${g.op}-${g.version}`);
}

describe("ONNX_TF_OP_VERSION_GAP's export opset", () => {
  it('is the highest opset with no common op onnx-tf 1.10.0 lacks; the next ones bring Squeeze/Unsqueeze-13, then LeakyRelu/PRelu/Where-16', async () => {
    const rule = (await loadMatrix()).rules.find((r) => r.code === 'ONNX_TF_OP_VERSION_GAP')!;
    const fix = rule.fixes.find((f) => f.kind === 'export-option')!;
    const opset = Number(/opset_version=(\d+)/.exec(fix.command)![1]);
    expect(commonGaps(opset)).toEqual([]);
    expect(commonGaps(opset + 1)).toEqual(expect.arrayContaining(['Squeeze-13', 'Unsqueeze-13']));
    expect(commonGaps(17)).toEqual(expect.arrayContaining(['LeakyRelu-16', 'PRelu-16', 'Where-16']));
    // the note names what it blames, not the old "onnx::ReduceMean_0"-style wording
    expect(fix.note).toContain('ONNX_TF_INPUT_NAME_KEYERROR');
    expect(fix.note).toContain('input.1');
  });
});
