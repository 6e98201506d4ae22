/** The one-pass calibration histogram and its least-squared-error int8 range. */
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../../src/convert/quantize/histogram.js';
import { mulberry32 } from '../../../src/verify/prng.js';

const total = (h: Histogram) => [...h.positive, ...h.negative].reduce((a, b) => a + b, 0);

describe('calibration histogram', () => {
  it('keeps every value and the exact min/max while its bins widen', () => {
    const h = new Histogram();
    h.add([0, 0, 0]);
    h.add([0.001, -0.002]);
    h.add([5, -3, 1000]);
    expect(total(h)).toBe(8);
    expect([h.min, h.max]).toEqual([-3, 1000]);
    expect(h.width * 1024).toBeGreaterThan(1000);
  });

  it('leaves -inf / -FLT_MAX max-pool padding and NaN out, on the first sample and later ones', () => {
    const h = new Histogram();
    h.add(Float32Array.from([-Infinity, 1, 2, -Infinity]));
    h.add(Float32Array.from([-Infinity, -3.4e38, 4, NaN, -1]));
    expect(total(h)).toBe(4);
    expect([h.min, h.max]).toEqual([-1, 4]);
    const r = h.bestInt8Range();
    expect(Number.isFinite(r.min) && Number.isFinite(r.max)).toBe(true);
  });

  it('keeps the range of uniform data but clips the long tail of heavy-tailed data', () => {
    const next = mulberry32(7);
    const uniform = new Histogram();
    uniform.add(Float32Array.from({ length: 100_000 }, () => next() * 2 - 1));
    const u = uniform.bestInt8Range();
    expect(u.max).toBeGreaterThan(0.97);
    expect(u.min).toBeLessThan(-0.97);
    // Laplace(1) magnitudes, ReLU-like (non-negative): a few values far out, most near 0
    const laplace = new Histogram();
    laplace.add(Float32Array.from({ length: 100_000 }, () => -Math.log(1 - next())));
    const l = laplace.bestInt8Range();
    expect(l.min).toBe(0);
    expect(l.max).toBeLessThan(0.9 * laplace.max);
    expect(laplace.errorOf(0, l.max)).toBeLessThan(laplace.errorOf(0, laplace.max));
    // a one-sided tail shrinks only its own end
    const skewed = new Histogram();
    skewed.add(Float32Array.from({ length: 100_000 }, () => (next() < 0.5 ? -next() : -Math.log(1 - next()))));
    const k = skewed.bestInt8Range();
    expect(k.min).toBeLessThan(-0.97);
    expect(k.max).toBeLessThan(0.9 * skewed.max);
  });

  it('leaves an all-zero tensor at its observed range', () => {
    const h = new Histogram();
    h.add(new Float32Array(10));
    expect(h.bestInt8Range()).toEqual({ min: 0, max: 0 });
  });
});
