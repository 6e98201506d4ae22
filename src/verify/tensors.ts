/** Plain tensors passed between the two runtimes, and the NCHW <-> NHWC moves `--nhwc` models need. */

export type TensorArray = Float32Array | Int32Array | Uint8Array | BigInt64Array | Float64Array;

export interface TensorValue {
  name: string;
  dims: number[];
  data: TensorArray;
}

/** Input of rank-4 NCHW data as NHWC (or any 4-d permutation `perm` of the source axes). */
export function permute4(data: TensorArray, dims: readonly number[], perm: readonly number[]): { data: TensorArray; dims: number[] } {
  if (dims.length !== 4) return { data, dims: [...dims] };
  const outDims = perm.map((p) => dims[p]!);
  const strides = [dims[1]! * dims[2]! * dims[3]!, dims[2]! * dims[3]!, dims[3]!, 1];
  const out = new (data.constructor as new (n: number) => TensorArray)(data.length);
  const [a, b, c, d] = outDims as [number, number, number, number];
  const s = perm.map((p) => strides[p]!) as [number, number, number, number];
  let o = 0;
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
    const base = i * s[0] + j * s[1] + k * s[2];
    for (let l = 0; l < d; l++) (out as Float32Array)[o++] = (data as Float32Array)[base + l * s[3]]!;
  }
  return { data: out, dims: outDims };
}

export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;

export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
