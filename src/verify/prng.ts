/** Seeded inputs for verification: the same seed gives the same numbers on every machine and run. */

/** mulberry32: a tiny 32-bit PRNG with a full 2^32 period; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/**
 * One standard-normal Float32Array per shape (Box-Muller over mulberry32), drawn in order from
 * one stream, so input k depends on the seed and the shapes before it only.
 */
export function seededInputs(shapes: readonly (readonly number[])[], seed: number): Float32Array[] {
  const next = mulberry32(seed);
  return shapes.map((dims) => {
    const out = new Float32Array(elementCount(dims));
    for (let i = 0; i < out.length; i += 2) {
      const u = 1 - next(); // (0, 1]: log stays finite
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      out[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    return out;
  });
}

/** Seeded integers uniform in [0, bound) (mulberry32), one Int32Array per shape, from one stream. */
export function seededInts(shapes: readonly (readonly number[])[], bounds: readonly number[], seed: number): Int32Array[] {
  const next = mulberry32(seed ^ 0x5bd1e995);
  return shapes.map((dims, k) => Int32Array.from({ length: elementCount(dims) }, () => Math.floor(next() * bounds[k]!)));
}
