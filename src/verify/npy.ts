/**
 * NumPy .npy (format 1.0/2.0/3.0) for the numeric tensors verification exchanges with Python:
 * little-endian, C order. Format facts: magic "\x93NUMPY", version bytes, header length (u16 for
 * 1.x, u32 for 2.x/3.x), then a Python-literal dict {'descr', 'fortran_order', 'shape'} padded to 64.
 */
export type NpyArray =
  | { dtype: 'float32'; dims: number[]; data: Float32Array }
  | { dtype: 'float64'; dims: number[]; data: Float64Array }
  | { dtype: 'int32'; dims: number[]; data: Int32Array }
  | { dtype: 'int64'; dims: number[]; data: BigInt64Array }
  | { dtype: 'uint8' | 'bool'; dims: number[]; data: Uint8Array };

const DESCR: Record<string, NpyArray['dtype']> = {
  '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8', '|b1': 'bool',
};

export function decodeNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`unreadable .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new Error('Fortran-ordered .npy is not supported');
  const dtype = DESCR[descr];
  if (!dtype) throw new Error(`unsupported .npy dtype ${descr}`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = dims.reduce((a, d) => a * d, 1);
  const body = bytes.slice(start + headerLen); // copy: aligned for typed-array views
  const buf = body.buffer;
  switch (dtype) {
    case 'float32': return { dtype, dims, data: new Float32Array(buf, 0, n) };
    case 'float64': return { dtype, dims, data: new Float64Array(buf, 0, n) };
    case 'int32': return { dtype, dims, data: new Int32Array(buf, 0, n) };
    case 'int64': return { dtype, dims, data: new BigInt64Array(buf, 0, n) };
    default: return { dtype, dims, data: new Uint8Array(buf, 0, n) };
  }
}

/** A float32 C-order .npy (version 1.0). */
export function encodeNpyFloat32(data: Float32Array, dims: readonly number[]): Uint8Array {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
