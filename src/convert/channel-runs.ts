// Per-axis quantization parameters apply to runs of consecutive elements: with row-major data, each
// slice along the quantized axis is `inner` elements long and the channels repeat in order. Walking
// runs keeps the channel lookup out of the per-element loop (QDQ weights are millions of elements).

/**
 * Calls `each(first, end, channel)` for every run of `length` elements of a tensor of `shape` that
 * shares one channel of `count` along `axis` (undefined: the whole tensor is channel 0).
 * False, calling nothing, when `count` is not the size of that dimension.
 */
export function forEachChannelRun(
  length: number, shape: readonly number[], axis: number | undefined, count: number,
  each: (first: number, end: number, channel: number) => void,
): boolean {
  if (axis !== undefined && shape[axis] !== count) return false;
  const inner = axis === undefined ? length : shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  if (inner === 0) return true;
  for (let first = 0, c = 0; first < length; first += inner, c = c + 1 === count ? 0 : c + 1) {
    each(first, Math.min(length, first + inner), c);
  }
  return true;
}
