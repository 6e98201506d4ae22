/**
 * The writer's layout: tables first, then each constant's bytes taken as they are from the graph (the
 * pieces writev writes), every constant on a 16-byte boundary of the file. Joined, the pieces are the
 * .tflite LiteRT runs; written by writeAtomicSync as pieces, the file holds the same bytes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TfliteGraph } from '../../src/convert/tflite/model.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { joinParts, layoutTflite, writeTflite } from '../../src/convert/tflite/write.js';
import { writeAtomicSync } from '../../src/util/atomic-write.js';
import { runTflite } from '../../src/verify/index.js';

/** y = ((x + a) * b) + c, with constants of odd byte lengths (INT8, FLOAT16) between them to test the padding. */
function graph(): { g: TfliteGraph; a: number[]; b: number[]; c: number[] } {
  const g = new TfliteGraph();
  const a = [1.5, -2, 0.25, 8, -0.5];
  const b = [2, 0.5, -1, 3, 1];
  const c = [0.125, 0, -4, 1, 2];
  const x = g.addTensor('x', [1, 5]);
  const ta = g.addFloatConst('a', [5], a);
  g.addInt8Const('unused_int8', [3], [1, -2, 3], { scale: [0.5], zeroPoint: [0] });
  const tb = g.addFloatConst('b', [5], b);
  g.addFloat16Const('unused_f16', [1], [1]);
  const tc = g.addFloatConst('c', [5], c);
  const s = g.addTensor('s', [1, 5]);
  const m = g.addTensor('m', [1, 5]);
  const y = g.addTensor('y', [1, 5]);
  g.addOp('ADD', [x, ta], [s], { table: 'AddOptions', values: {} });
  g.addOp('MUL', [s, tb], [m], { table: 'MulOptions', values: {} });
  g.addOp('ADD', [m, tc], [y], { table: 'AddOptions', values: {} });
  g.inputs = [x];
  g.outputs = [y];
  g.signatureInputs = [{ name: 'x', tensor: x }];
  g.signatureOutputs = [{ name: 'y', tensor: y }];
  return { g, a, b, c };
}

describe('TFLite layout', () => {
  it('the constants are pieces of the file as they are (not copies), each on a 16-byte boundary', () => {
    const { g } = graph();
    const file = layoutTflite(g);
    const constants = g.tensors.filter((t) => t.data);
    expect(constants.length).toBe(5);
    for (const t of constants) expect(file.parts.includes(t.data!)).toBe(true);
    const bytes = joinParts(file);
    expect(bytes.length).toBe(file.byteLength);
    expect(bytes).toEqual(writeTflite(g));
    const read = readTflite(bytes);
    for (const t of constants) {
      const r = read.tensors.find((x) => x.name === t.name)!;
      expect(r.data).toEqual(t.data);
      // the reader's view lies inside `bytes`: its offset is the data's position in the file
      expect(r.data!.byteOffset % 16).toBe(0);
    }
  });

  it('LiteRT runs the joined pieces; writeAtomicSync writes the pieces as the same bytes and leaves no temp file', async () => {
    const { g, a, b, c } = graph();
    const file = layoutTflite(g);
    const xin = Float32Array.from([0.5, 1, -3, 2, 7]);
    const run = await runTflite(joinParts(file), [{ dims: [1, 5], data: xin }]);
    expect(run.errors).toEqual([]);
    // every step is exact in float32 for these values
    expect(Array.from(run.outputs[0]!.data as Float32Array)).toEqual(Array.from(xin, (v, i) => (v + a[i]!) * b[i]! + c[i]!));
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-layout-'));
    const out = join(dir, 'm.tflite');
    writeAtomicSync(out, file.parts);
    expect(new Uint8Array(readFileSync(out))).toEqual(joinParts(file));
    expect(readdirSync(dir)).toEqual(['m.tflite']);
  });
});
