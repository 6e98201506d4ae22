/**
 * A tensor's calibration histogram, built in one pass, and the int8 range that minimises the
 * expected squared error of quantizing it: values outside [lo, hi] cost their clipping error,
 * values inside the rounding error of a step (hi - lo) / 255 (uniform: step^2 / 12). Candidates
 * shrink each end of the observed range towards 0 on its own (0 stays inside, as int8 activations need).
 * Bins are anchored at 0 (one row for each sign) and double in width whenever a value falls past
 * the last one, so no range has to be known in advance.
 */
const BINS = 1024;
const CANDIDATES = 100;
const STEPS = 255;

/**
 * -inf (or -FLT_MAX) padding in front of MAX_POOL_2D is not a value to quantize: the pad's output keeps
 * its input's params and the int8 pad value clamps to -128, the lowest the grid holds. Such entries
 * (and NaN) stay out of ranges and histograms.
 */
export function isValue(v: number): boolean {
  return Math.abs(v) < 1e38;
}

export class Histogram {
  readonly positive = new Float64Array(BINS);
  readonly negative = new Float64Array(BINS);
  /** bin width; 0 until a non-zero value arrives */
  width = 0;
  min = Infinity;
  max = -Infinity;

  private grow(maxAbs: number): void {
    if (this.width === 0) {
      this.width = maxAbs / (BINS / 2);
      return;
    }
    while (maxAbs >= this.width * BINS) {
      for (const row of [this.positive, this.negative]) {
        for (let i = 0; i < BINS / 2; i++) row[i] = row[2 * i]! + row[2 * i + 1]!;
        row.fill(0, BINS / 2);
      }
      this.width *= 2;
    }
  }

  add(data: ArrayLike<number>): void {
    let lo = this.min;
    let hi = this.max;
    let finite = true;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!isValue(v)) {
        finite = false;
        continue;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!finite) data = Array.from(data as ArrayLike<number>).filter(isValue);
    this.min = lo;
    this.max = hi;
    const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
    if (maxAbs > 0 && (this.width === 0 || maxAbs >= this.width * BINS)) this.grow(maxAbs);
    if (this.width === 0) {
      this.positive[0]! += data.length;
      return;
    }
    if (!Number.isFinite(this.width * BINS)) throw new Error(`internal: histogram range overflows (max |value| ${maxAbs})`);
    const inv = 1 / this.width;
    const { positive, negative } = this;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v >= 0) positive[Math.min(BINS - 1, Math.floor(v * inv))]!++;
      else negative[Math.min(BINS - 1, Math.floor(-v * inv))]!++;
    }
  }

  /**
   * Prefix sums over the bins in ascending order (bin k's centre is (k - BINS + 0.5) x width):
   * count, sum of centres, sum of squared centres, so a range's error takes O(1).
   */
  private prefix(): [Float64Array, Float64Array, Float64Array] {
    const p0 = new Float64Array(2 * BINS + 1);
    const p1 = new Float64Array(2 * BINS + 1);
    const p2 = new Float64Array(2 * BINS + 1);
    for (let k = 0; k < 2 * BINS; k++) {
      const n = k < BINS ? this.negative[BINS - 1 - k]! : this.positive[k - BINS]!;
      const c = (k - BINS + 0.5) * this.width;
      p0[k + 1] = p0[k]! + n;
      p1[k + 1] = p1[k]! + n * c;
      p2[k + 1] = p2[k]! + n * c * c;
    }
    return [p0, p1, p2];
  }

  /** Expected squared error of int8 with range [lo, hi] (lo <= 0 <= hi) over the histogram (bin centres). */
  errorOf(lo: number, hi: number, sums = this.prefix()): number {
    const [p0, p1, p2] = sums;
    const last = 2 * BINS;
    const clamp = (k: number) => Math.max(0, Math.min(last, k));
    const below = clamp(Math.ceil(lo / this.width + BINS - 0.5)); // bins with centre < lo
    const upTo = clamp(Math.floor(hi / this.width + BINS - 0.5) + 1); // bins with centre <= hi
    const step = (hi - lo) / STEPS;
    const under = p2[below]! - 2 * lo * p1[below]! + lo * lo * p0[below]!;
    const over = (p2[last]! - p2[upTo]!) - 2 * hi * (p1[last]! - p1[upTo]!) + hi * hi * (p0[last]! - p0[upTo]!);
    const inside = Math.max(0, p0[upTo]! - p0[below]!) * (step * step) / 12;
    return under + over + inside;
  }

  /**
   * The candidate range with the least expected error: each end shrinks towards 0 independently
   * (an outlier on one side must not cost the other); the observed range when nothing is gained.
   */
  bestInt8Range(): { min: number; max: number } {
    const lo0 = Math.min(0, this.min);
    const hi0 = Math.max(0, this.max);
    if (this.width === 0 || hi0 - lo0 <= 0) return { min: this.min, max: this.max };
    const sums = this.prefix();
    let best = { min: this.min, max: this.max };
    let bestErr = this.errorOf(lo0, hi0, sums);
    for (let a = 0; a < CANDIDATES; a++) {
      const lo = lo0 * (1 - a / CANDIDATES);
      for (let b = 0; b < CANDIDATES; b++) {
        const hi = hi0 * (1 - b / CANDIDATES);
        if (hi - lo <= 0) continue;
        const err = this.errorOf(lo, hi, sums);
        if (err < bestErr) {
          bestErr = err;
          best = { min: lo, max: hi };
        }
      }
    }
    return best;
  }
}
