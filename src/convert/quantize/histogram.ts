/**
 * A tensor's calibration histogram and the int8 range that minimises the expected squared error
 * of quantizing it: values outside [lo, hi] cost their clipping error, values inside the rounding
 * error of a step (hi - lo) / 255 (uniform: step^2 / 12). Candidates shrink the observed range
 * towards 0 by a common factor (0 stays inside, as int8 activations need).
 */
const BINS = 2048;
const CANDIDATES = 200;
const STEPS = 255;

export class Histogram {
  readonly counts = new Float64Array(BINS);
  private readonly width: number;

  constructor(readonly min: number, readonly max: number) {
    this.width = (max - min) / BINS;
  }

  add(data: ArrayLike<number>): void {
    const { min, width, counts } = this;
    if (!(width > 0)) {
      counts[0]! += data.length;
      return;
    }
    const inv = 1 / width;
    for (let i = 0; i < data.length; i++) {
      const b = Math.floor((data[i]! - min) * inv);
      counts[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]!++;
    }
  }

  /** Expected squared error of int8 with range [lo, hi] over the histogram (bin centres). */
  errorOf(lo: number, hi: number): number {
    const step = (hi - lo) / STEPS;
    const inside = (step * step) / 12;
    let err = 0;
    for (let b = 0; b < BINS; b++) {
      const n = this.counts[b]!;
      if (n === 0) continue;
      const c = this.min + (b + 0.5) * this.width;
      err += n * (c > hi ? (c - hi) ** 2 : c < lo ? (lo - c) ** 2 : inside);
    }
    return err;
  }

  /** The candidate range with the least expected error; the observed range when nothing is gained. */
  bestInt8Range(): { min: number; max: number } {
    const lo0 = Math.min(0, this.min);
    const hi0 = Math.max(0, this.max);
    if (!(this.width > 0) || hi0 - lo0 <= 0) return { min: this.min, max: this.max };
    let best = { min: lo0, max: hi0 };
    let bestErr = this.errorOf(lo0, hi0);
    for (let k = 1; k < CANDIDATES; k++) {
      const f = 1 - k / CANDIDATES;
      const err = this.errorOf(lo0 * f, hi0 * f);
      if (err < bestErr) {
        bestErr = err;
        best = { min: lo0 * f, max: hi0 * f };
      }
    }
    return best;
  }
}
