/**
 * Calibration readers on real NumPy files (test/fixtures/calibration, written by numpy 2.4 with
 * np.save / np.savez / np.savez_compressed): x3 holds 3 samples of a [1,2,2,2] input whose values
 * are 0.5 * flat index - 3; b is 2 x the first channel of x3.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCalibration, RANDOM_CALIBRATION_WARNING } from '../../../src/convert/quantize/calibration.js';
import { decodeNpz } from '../../../src/convert/quantize/npz.js';
import { UserError } from '../../../src/util/errors.js';

const dir = new URL('../../fixtures/calibration/', import.meta.url).pathname;
const X = { name: 'x', dims: [1, 2, 2, 2] };
const expected = (k: number) => Array.from({ length: 8 }, (_, i) => (k * 8 + i) * 0.5 - 3);

describe('calibration data', () => {
  it('reads N samples from a .npy (float32 and float64)', () => {
    for (const f of ['x3.npy', 'x3_f64.npy']) {
      const c = loadCalibration(join(dir, f), [X]);
      expect(c.samples).toHaveLength(3);
      expect(c.random).toBe(false);
      for (let k = 0; k < 3; k++) expect(Array.from(c.samples[k]![0]!)).toEqual(expected(k));
    }
  });

  it('reads an .npz keyed by input name, stored and deflated', () => {
    const inputs = [{ name: 'b', dims: [1, 1, 2, 2] }, { name: 'a', dims: [1, 2, 2, 2] }];
    for (const f of ['two_inputs.npz', 'two_inputs_deflated.npz']) {
      const c = loadCalibration(join(dir, f), inputs);
      expect(c.samples).toHaveLength(3);
      expect(Array.from(c.samples[1]![1]!)).toEqual(expected(1));
      expect(Array.from(c.samples[2]![0]!)).toEqual(expected(2).slice(0, 4).map((v) => 2 * v));
    }
  });

  it('decodes both members of a deflated .npz identically to the stored one', () => {
    const read = (f: string) => decodeNpz(new Uint8Array(readFileSync(join(dir, f))));
    const stored = read('two_inputs.npz');
    const deflated = read('two_inputs_deflated.npz');
    expect([...stored.keys()]).toEqual(['a', 'b']);
    expect(deflated.get('a')!.dims).toEqual([3, 2, 2, 2]);
    expect(Array.from(deflated.get('b')!.data as Float32Array)).toEqual(Array.from(stored.get('b')!.data as Float32Array));
  });

  it('joins a folder of files in name order', () => {
    const c = loadCalibration(join(dir, 'folder'), [X]);
    expect(c.samples).toHaveLength(3);
    expect(Array.from(c.samples[2]![0]!)).toEqual(expected(2));
  });

  it('refuses bad data with one line naming the file and the expected shape', () => {
    const cases: [string, { name: string; dims: number[] }[], RegExp][] = [
      [join(dir, 'wrong_shape.npy'), [X], /wrong_shape\.npy: 'x' is float32 \[3,2,3,2\]; the model's input is \[1,2,2,2\], so samples must be \[N,2,2,2\]/],
      [join(dir, 'x3.npy'), [X, { name: 'y', dims: [1, 2] }], /the model has 2 inputs \(x, y\); give an \.npz/],
      [join(dir, 'two_inputs.npz'), [{ name: 'c', dims: [1, 2, 2, 2] }, X], /no array named 'c' \(it holds a, b\)/],
      [join(dir, 'missing.npy'), [X], /no such file or folder/],
      [dir, [X], /no array named 'x' \(it holds a, b\)/], // the fixtures folder holds a two-input .npz too
    ];
    for (const [path, inputs, msg] of cases) {
      let err: unknown;
      try { loadCalibration(path, inputs); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses a truncated .npz and a non-numpy file', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfdoctor-calib-'));
    const whole = new Uint8Array(readFileSync(join(dir, 'two_inputs.npz')));
    writeFileSync(join(tmp, 'cut.npz'), whole.subarray(0, 300));
    writeFileSync(join(tmp, 'text.npy'), 'hello');
    expect(() => loadCalibration(join(tmp, 'cut.npz'), [X])).toThrow(/not a zip archive|truncated|broken/);
    expect(() => loadCalibration(join(tmp, 'text.npy'), [X])).toThrow(/not a \.npy file/);
  });

  it('random draws seeded normal samples and carries the warning', () => {
    const c = loadCalibration('random', [X], { randomCount: 4 });
    expect(c.random).toBe(true);
    expect(c.samples).toHaveLength(4);
    expect(c.warnings).toEqual([RANDOM_CALIBRATION_WARNING]);
    expect(c.samples[0]![0]).not.toEqual(c.samples[1]![0]);
    expect(loadCalibration('random', [X], { randomCount: 4 }).samples[3]![0]).toEqual(c.samples[3]![0]);
  });
});
