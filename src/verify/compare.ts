/** Numeric comparison of a candidate's outputs with a reference's, with the verification tolerance. */

export interface Comparison {
  /** largest |candidate - reference| over all outputs (Infinity on a NaN mismatch or a shape mismatch) */
  maxAbs: number;
  /** maxAbs relative to the output scale: maxAbs / max(maxRef, 1e-12) */
  maxRel: number;
  /** largest |reference| over all outputs */
  maxRef: number;
}

/** tolerance = 1e-4 x max(1, max|reference|): absolute for small outputs, relative for large ones. */
export function verifyTolerance(maxRef: number): number {
  return 1e-4 * Math.max(1, maxRef);
}

type Numeric = ArrayLike<number>;

export function compareArrays(ref: Numeric, cand: Numeric, acc: Comparison = { maxAbs: 0, maxRel: 0, maxRef: 0 }): Comparison {
  if (ref.length !== cand.length) return { ...acc, maxAbs: Infinity, maxRel: Infinity };
  let { maxAbs, maxRef } = acc;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const c = cand[i]!;
    if (Number.isNaN(r) || Number.isNaN(c)) {
      if (!(Number.isNaN(r) && Number.isNaN(c))) maxAbs = Infinity;
      continue;
    }
    if (r === c) { // equal infinities included
      if (Math.abs(r) > maxRef && Number.isFinite(r)) maxRef = Math.abs(r);
      continue;
    }
    const d = Math.abs(r - c);
    if (!(d <= maxAbs)) maxAbs = d;
    if (Math.abs(r) > maxRef && Number.isFinite(r)) maxRef = Math.abs(r);
  }
  return { maxAbs, maxRef, maxRel: maxAbs / Math.max(maxRef, 1e-12) };
}

export function compareOutputs(ref: readonly Numeric[], cand: readonly Numeric[]): Comparison {
  if (ref.length !== cand.length) return { maxAbs: Infinity, maxRel: Infinity, maxRef: 0 };
  let acc: Comparison = { maxAbs: 0, maxRel: 0, maxRef: 0 };
  ref.forEach((r, i) => { acc = compareArrays(r, cand[i]!, acc); });
  return acc;
}
