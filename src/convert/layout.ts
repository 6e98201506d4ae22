/**
 * Layout bookkeeping. Every IR value is stored in TFLite as a physical tensor whose axis i holds
 * logical (ONNX) axis perm[i]. 4-D activations prefer NHWC (perm [0,2,3,1]); everything else
 * prefers the identity. Reshapes and transposes are planned on this so that the graph needs
 * no transposes except where the model itself moves data between axes.
 */

export const NHWC = [0, 2, 3, 1];

export function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** The layout a value of this rank would like to be stored in. */
export function preferredPerm(rank: number): number[] {
  return rank === 4 ? [...NHWC] : identity(rank);
}

export function permute<T>(logical: readonly T[], perm: readonly number[]): T[] {
  return perm.map((a) => logical[a]!);
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => (inv[a] = i));
  return inv;
}

export function samePerm(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Logical axes in physical order, leaving out size-1 axes (they do not affect memory order). */
export function memoryOrder(shape: readonly number[], perm: readonly number[]): number[] {
  return perm.filter((a) => shape[a] !== 1);
}

/** True when two layouts of the same logical tensor have the same bytes in the same order. */
export function sameMemoryOrder(shape: readonly number[], a: readonly number[], b: readonly number[]): boolean {
  return samePerm(memoryOrder(shape, a), memoryOrder(shape, b));
}

/**
 * The transposition as groups of input axes that stay together: size-1 axes left out, axes that stay
 * adjacent and in order merged. Each group is [first input axis, element count]; the list is in
 * output order. One group: the memory order is unchanged.
 */
function mergedAxes(shape: readonly number[], perm: readonly number[]): [number, number][] {
  const groups: [number, number][] = [];
  let last = -2;
  for (const a of perm) {
    if (shape[a] === 1) continue;
    // axis a continues the previous group when every axis between them has size 1
    let next = last + 1;
    while (last >= 0 && next < a && shape[next] === 1) next++;
    if (last >= 0 && next === a) groups[groups.length - 1]![1] *= shape[a]!;
    else groups.push([a, shape[a]!]);
    last = a;
  }
  return groups;
}

/** Transposes a constant's data from logical layout to the physical layout `perm` (may return `data` itself: do not mutate). */
export function transposeData<T extends Float32Array | Float64Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  if (rank <= 1) return data;
  const groups = mergedAxes(shape, perm);
  // moving only size-1 axes keeps the memory order: the same data (callers never mutate it)
  if (groups.length <= 1) return data;
  // the common cases (OIHW -> OHWI / IHWO filters, NCHW <-> NHWC) are one swap of two blocks, maybe
  // batched: [b, r, c] -> [b, c, r], a simple loop (the general walk is slow before the JIT warms up)
  const [g0, g1, g2] = groups;
  if (groups.length === 2 && g0![0] > g1![0]) return swapBlocks(data, 1, g1![1], g0![1]);
  if (groups.length === 3 && g0![0] < g1![0] && g1![0] > g2![0] && g0![0] < g2![0]) return swapBlocks(data, g0![1], g2![1], g1![1]);
  const outShape = permute(shape, perm);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const strideForOut = perm.map((a) => inStrides[a]!);
  const out = new (data.constructor as { new (n: number): T })(data.length);
  // walk the output in order; the innermost output axis is a strided run of the input
  const inner = outShape[rank - 1]!;
  const innerStride = strideForOut[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  const outer = data.length / inner;
  for (let o = 0; o < outer; o++) {
    let src = 0;
    for (let i = 0; i < rank - 1; i++) src += idx[i]! * strideForOut[i]!;
    const base = o * inner;
    for (let k = 0; k < inner; k++) out[base + k] = data[src + k * innerStride]!;
    for (let i = rank - 2; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/**
 * [batch, rows, cols] -> [batch, cols, rows]: each output row (an input column) is written by a small
 * function, which V8 compiles after a few calls, where one loop over all of it waits for on-stack
 * replacement (a depthwise filter's 9 or 25 columns of C values: about half the time before V8 warms up).
 */
function swapBlocks<T extends Float32Array | Float64Array>(data: T, batch: number, rows: number, cols: number): T {
  const out = new (data.constructor as { new (n: number): T })(data.length);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let c = 0; c < cols; c++, o += rows) columnToRow(out, o, data, base + c, rows, cols);
  }
  return out;
}

/** out[o + k] = data[i + k * step] for k < n: writes in order, reads a column. */
function columnToRow(out: Float32Array | Float64Array, o: number, data: Float32Array | Float64Array, i: number, n: number, step: number): void {
  for (let k = 0; k < n; k++, i += step) out[o + k] = data[i]!;
}

interface Group {
  inAxes: number[];
  outAxes: number[];
}

/** Splits a reshape into groups of input axes that become groups of output axes (equal products). */
function reshapeGroups(inShape: readonly number[], outShape: readonly number[]): Group[] | undefined {
  const groups: Group[] = [];
  let i = 0;
  let j = 0;
  while (i < inShape.length || j < outShape.length) {
    if (i < inShape.length && inShape[i] === 1) { groups.push({ inAxes: [i++], outAxes: [] }); continue; }
    if (j < outShape.length && outShape[j] === 1) { groups.push({ inAxes: [], outAxes: [j++] }); continue; }
    if (i >= inShape.length || j >= outShape.length) return undefined;
    const g: Group = { inAxes: [i], outAxes: [j] };
    let a = inShape[i++]!;
    let b = outShape[j++]!;
    while (a !== b) {
      if (a < b) {
        if (i >= inShape.length) return undefined;
        a *= inShape[i]!;
        g.inAxes.push(i++);
      } else {
        if (j >= outShape.length) return undefined;
        b *= outShape[j]!;
        g.outAxes.push(j++);
      }
    }
    groups.push(g);
  }
  return groups;
}

export type ReshapePlan =
  | { kind: 'direct'; outPerm: number[] }
  | { kind: 'transpose-first'; inPerm: number[]; outPerm: number[] };

/**
 * Plans a logical reshape of a tensor stored with `inPerm`: either a plain physical RESHAPE
 * yielding `outPerm`, or (when the reshape mixes axes in a different memory order) a TRANSPOSE
 * of the input to `inPerm` first.
 */
export function planReshape(inShape: number[], inPerm: number[], outShape: number[]): ReshapePlan {
  const groups = reshapeGroups(inShape, outShape);
  const outRank = outShape.length;
  const preferred = preferredPerm(outRank);
  if (!groups) {
    // cannot happen for equal element counts, but stay correct: go through the logical order
    return { kind: 'transpose-first', inPerm: identity(inShape.length), outPerm: identity(outRank) };
  }
  const order = memoryOrder(inShape, inPerm);
  const posOf = new Map(order.map((a, k) => [a, k]));
  const real = groups.filter((g) => g.inAxes.some((a) => inShape[a] !== 1));
  const runs = real.map((g) => g.inAxes.filter((a) => inShape[a] !== 1));
  const contiguous = runs.every((run) => run.every((a, k) => k === 0 || posOf.get(a)! === posOf.get(run[0]!)! + k));
  const sorted = [...real.keys()].sort((x, y) => posOf.get(runs[x]![0]!)! - posOf.get(runs[y]![0]!)!);
  const buildOutPerm = (): number[] => {
    const nonOne = sorted.flatMap((k) => real[k]!.outAxes.filter((a) => outShape[a] !== 1));
    if (samePerm(memoryOrder(outShape, preferred), nonOne)) return preferred;
    const ones = identity(outRank).filter((a) => outShape[a] === 1);
    return [...ones, ...nonOne];
  };
  if (contiguous) return { kind: 'direct', outPerm: buildOutPerm() };
  const ones = identity(inShape.length).filter((a) => inShape[a] === 1);
  const inPermNeeded = [...ones, ...sorted.flatMap((k) => runs[k]!)];
  return { kind: 'transpose-first', inPerm: inPermNeeded, outPerm: buildOutPerm() };
}
