/**
 * convert's report of a quantization: the decisions are codes with their arguments, and the one
 * formatter (src/report/quantization.ts) words them for the text report, the --json document and the
 * int8 zoo table. A small real ONNX model (a scaled SOFTMAX over 64 keys, a DIV and an EXP after it)
 * converted with --quantize int8 gives operators quantized and operators float for three reasons.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertFile, type FloatReason, type OpQuantization } from '../../src/convert/index.js';
import { convertDocument, convertText } from '../../src/report/convert.js';
import { floatReasonText, opDecisionText, quantizedAsText, quantizeNoteText } from '../../src/report/quantization.js';
import { writeTable } from '../../scripts/int8-zoo-table.mjs';
import type { ModelSpec } from '../convert/helpers/onnx-builder.js';
import { writeModel } from '../convert/helpers/run.js';

const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 2, 64] }],
  outputs: [{ name: 'y', shape: [1, 2, 64] }],
  nodes: [
    { op: 'Mul', inputs: ['x', 'temp'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['p'], attrs: { axis: { i: -1 } } },
    { op: 'Div', inputs: ['p', 'two'], outputs: ['half'] },
    { op: 'Exp', inputs: ['half'], outputs: ['y'] },
  ],
  initializers: [{ name: 'temp', dims: [], values: [0.2] }, { name: 'two', dims: [], values: [2] }],
};

describe('the report of convert --quantize int8', async () => {
  const output = '/tmp/model.tflite';
  const { summary } = await convertFile(writeModel(spec), { quantize: { mode: 'int8', calibration: 'random' } });
  const q = summary.quantization!;
  const byOp = (op: string) => q.ops.find((o) => o.op === op)!;

  it('holds each decision as a code with its arguments', () => {
    expect(byOp('MUL')).toMatchObject({ status: 'quantized', how: { code: 'int8' } });
    expect(byOp('SOFTMAX')).toMatchObject({ status: 'float', why: { code: 'softmax-coarse' } });
    expect(byOp('DIV')).toMatchObject({ status: 'float', why: { code: 'no-int8-kernel', op: 'DIV', uint8Kernel: true } });
    expect(byOp('EXP')).toMatchObject({ status: 'float', why: { code: 'int8-not-implemented', op: 'EXP' } });
    expect(q.notes.slice(0, 2)).toEqual([{ code: 'calibrated', samples: 100, source: 'random' }, { code: 'calibration-warning', warning: expect.stringMatching(/^--calibration random: /) }]);
  });

  it('words them in the text report: the float operators counted by reason, then the notes', () => {
    const max = (byOp('SOFTMAX') as { why: { max: number } }).why.max;
    const text = convertText({ output, summary });
    expect(text).toContain(`  quantized (int8): 1 of 4 operators; 1 constants 0.00 MB -> 0.00 MB; added QUANTIZE x1, DEQUANTIZE x1\n`);
    expect(text).toContain(`  kept float: 1 x its calibrated outputs use under a quarter of the 256 steps of int8 SOFTMAX's fixed output scale 1/256 (calibrated max ${max.toPrecision(3)}: ${Math.round(max * 256)} steps); float, its output is quantized at its own calibrated range (255 steps)\n`);
    expect(text).toContain("  kept float: 1 x TFLite's DIV has no int8 kernel (uint8 only)\n  kept float: 1 x int8 EXP is not implemented by this quantizer\n  note: calibrated on 100 samples from random\n");
  });

  it('--json carries the codes with the same words beside them', () => {
    const doc = JSON.parse(JSON.stringify(convertDocument({ output, summary }))) as { quantization: { ops: (OpQuantization & { detail: string })[]; notes: { code: string; text: string }[] } };
    expect(doc.quantization.ops).toEqual(q.ops.map((o) => ({ ...o, detail: opDecisionText(o) })));
    expect(doc.quantization.ops.find((o) => o.op === 'DIV')).toEqual({ index: 2, op: 'DIV', output: 'half', status: 'float', why: { code: 'no-int8-kernel', op: 'DIV', uint8Kernel: true }, detail: "TFLite's DIV has no int8 kernel (uint8 only)" });
    expect(doc.quantization.notes[0]).toEqual({ code: 'calibrated', samples: 100, source: 'random', text: 'calibrated on 100 samples from random' });
    expect(doc.quantization.notes.map((n) => n.text)).toEqual(q.notes.map((n) => quantizeNoteText(n, q)));
  });
});

describe('the wording of the codes', () => {
  it('keeps the words the report had', () => {
    expect(quantizedAsText({ code: 'int8-weights-per-channel', axis: 3 })).toBe('int8, per-channel weights (dimension 3), int32 bias');
    expect(quantizedAsText({ code: 'int8-fixed-output-params', scale: 1 / 256, zeroPoint: -128 })).toBe('int8, output scale 1/256 and zero point -128 (fixed by the kernel)');
    expect(quantizedAsText({ code: 'hybrid-int8-weights', perChannel: false })).toBe('int8 weights per tensor (hybrid kernel, float activations)');
    expect(floatReasonText({ code: 'kept-auto', damageDb: 13.54, rank: 2, candidates: 64, kept: 3, checkSamples: 50, agreement: 0.96, allInt8Agreement: 0.88 }))
      .toBe('kept float by --keep-float auto: alone in int8 it takes the output to 13.5 dB SQNR (rank 2 of 64 by damage); with the 3 most damaging float, agreement on 50 check samples 0.960 (all int8: 0.880)');
    expect(floatReasonText({ code: 'qdq-fixed-output-params-differ', op: 'LOGISTIC', scale: 0.01, zeroPoint: 3, kernelScale: 1 / 256, kernelZeroPoint: -128 }))
      .toBe("the QDQ model gives its output scale 0.01 and zero point 3; TFLite's int8 LOGISTIC writes scale 1/256, zero point -128");
    expect(quantizeNoteText({ code: 'int8-io', kind: 'input', name: 'x', scale: 0.5, zeroPoint: -3 }, {})).toBe("input 'x': int8, scale 0.5, zero point -3 (real = (q - zero point) x scale)");
  });

  it('leaves out what was measured on one operator when asked, so that one kind reads the same', () => {
    const a: FloatReason = { code: 'softmax-coarse', max: 0.0384 };
    const b: FloatReason = { code: 'softmax-coarse', max: 0.164 };
    expect(floatReasonText(a)).toContain('(calibrated max 0.0384: 10 steps)');
    expect(floatReasonText(a, { measured: false })).toBe(floatReasonText(b, { measured: false }));
    expect(floatReasonText({ code: 'clamp-bound-rounds-to-zero', op: 'MAXIMUM', bound: 1e-12, scale: 0.00647 }, { measured: false }))
      .toBe("its constant operand 1.00e-12 rounds to 0 on the output's int8 grid: in int8 MAXIMUM could no longer keep its output off 0 (x / max(norm, eps) would divide by 0)");
  });
});

describe('the int8 zoo table (scripts/int8-zoo-table.mjs)', () => {
  it('counts a row\'s float operators by reason the same from codes as from the text rows measured before them', () => {
    const reasons: { op: string; why: FloatReason }[] = [
      { op: 'SOFTMAX', why: { code: 'softmax-coarse', max: 0.0384 } }, { op: 'SOFTMAX', why: { code: 'softmax-coarse', max: 0.164 } },
      { op: 'MAXIMUM', why: { code: 'clamp-bound-rounds-to-zero', op: 'MAXIMUM', bound: 1e-12, scale: 0.00647 } },
      { op: 'DIV', why: { code: 'no-int8-kernel', op: 'DIV', uint8Kernel: true } },
    ];
    const row = (model: string, floatOps: unknown[]) => JSON.stringify({ model, calibration: 200, heldOut: 100, quantizeSeconds: 1, floatOps, sizeRatio: 0.3, node: { agreement: 1, sqnrDb: 30 } });
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-zoo-table-'));
    writeFileSync(join(dir, 'rows.jsonl'), [row('coded.dynamo', reasons), row('text.dynamo', reasons.map((r) => `${r.op}: ${floatReasonText(r.why)}`))].join('\n') + '\n');
    writeTable(join(dir, 'rows.jsonl'), join(dir, 'table.md'), (why: FloatReason) => floatReasonText(why, { measured: false }));
    const cells = readFileSync(join(dir, 'table.md'), 'utf8').split('\n').filter((l) => /^\| (coded|text)\.dynamo /.test(l)).map((l) => l.split(' | ')[10]);
    expect(cells).toHaveLength(2);
    expect(cells[0]).toBe(cells[1]);
    expect(cells[0]).toMatch(/^SOFTMAX x2: its calibrated outputs use under a quarter of the 256 steps of int8 SOFTMAX's fixed output scale 1\/256; float, /);
  });
});
