/**
 * What people read about a quantized model, accumulated over many samples: SQNR (dB), cosine
 * similarity, max abs error, and top-1 agreement for outputs that look like classification
 * (rank 2 [N, C] with C > 1: one argmax per row). Pure arithmetic on plain arrays.
 */

export interface OutputQuality {
  name: string;
  /** 10 log10(sum ref^2 / sum (ref - cand)^2); Infinity when the outputs are identical */
  sqnrDb: number;
  /** sum(ref cand) / sqrt(sum ref^2 sum cand^2) over every element */
  cosine: number;
  maxAbs: number;
  /** largest |reference| */
  maxRef: number;
  /** share of rows whose argmax agrees (classification-shaped outputs only) */
  top1Agreement?: number;
  /** how many rows the agreement counts */
  rows?: number;
}

interface Sums { signal: number; noise: number; dot: number; candSq: number; maxAbs: number; maxRef: number; agree: number; rows: number; nonFinite: boolean }

/** Classification-shaped: [N, C] with more than one class. */
export function isClassification(dims: readonly number[]): boolean {
  return dims.length === 2 && dims[1]! > 1;
}

function argmax(data: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (data[i]! > data[best]!) best = i;
  return best - from;
}

export class QualityAccumulator {
  private readonly sums = new Map<string, Sums & { classification: boolean }>();

  add(name: string, dims: readonly number[], ref: ArrayLike<number>, cand: ArrayLike<number>): void {
    let s = this.sums.get(name);
    if (!s) {
      s = { signal: 0, noise: 0, dot: 0, candSq: 0, maxAbs: 0, maxRef: 0, agree: 0, rows: 0, nonFinite: false, classification: isClassification(dims) };
      this.sums.set(name, s);
    }
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i]!;
      const c = cand[i]!;
      if (!Number.isFinite(r) || !Number.isFinite(c)) {
        if (!(Object.is(r, c))) s.nonFinite = true;
        continue;
      }
      const d = r - c;
      s.signal += r * r;
      s.noise += d * d;
      s.dot += r * c;
      s.candSq += c * c;
      if (Math.abs(d) > s.maxAbs) s.maxAbs = Math.abs(d);
      if (Math.abs(r) > s.maxRef) s.maxRef = Math.abs(r);
    }
    if (s.classification) {
      const classes = dims[1]!;
      for (let row = 0; row < dims[0]!; row++) {
        s.rows++;
        if (argmax(ref, row * classes, classes) === argmax(cand, row * classes, classes)) s.agree++;
      }
    }
  }

  /** Per output, in the order first added. A NaN/Infinity the reference does not have gives maxAbs Infinity. */
  result(): OutputQuality[] {
    return [...this.sums].map(([name, s]) => ({
      name,
      sqnrDb: s.nonFinite ? -Infinity : s.noise === 0 ? Infinity : 10 * Math.log10(s.signal / s.noise),
      cosine: s.nonFinite ? NaN : s.signal === 0 && s.candSq === 0 ? 1 : s.dot / Math.sqrt(s.signal * s.candSq),
      maxAbs: s.nonFinite ? Infinity : s.maxAbs,
      maxRef: s.maxRef,
      ...(s.classification ? { top1Agreement: s.rows ? s.agree / s.rows : 0, rows: s.rows } : {}),
    }));
  }
}
