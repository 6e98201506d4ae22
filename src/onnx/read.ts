/** Reads an ONNX model file: protobuf decode, initializer payloads, external data beside the model. */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { UserError } from '../util/errors.js';
import { OnnxFormatError, decodeModel } from './decode.js';
import type { OnnxModel, TensorProtoData } from './model.js';
import { TensorDataError, byteWidth, decodeTensorData, elementCount, type ConstTensor } from './tensor.js';

export interface LoadedOnnx {
  model: OnnxModel;
  /** initializer name -> decoded values */
  initializers: Map<string, ConstTensor>;
  path: string;
  external: ExternalDataResolver;
}

/** Decodes bytes into a model, turning any malformation into a one-line UserError. */
export function parseOnnxBytes(bytes: Uint8Array, label: string): OnnxModel {
  try {
    return decodeModel(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UserError(`${label}: not a readable ONNX model (${why})`);
  }
}

/** Resolves external data files inside the model's folder only; caches whole files. */
export class ExternalDataResolver {
  private readonly files = new Map<string, Uint8Array>();
  /** location -> its file's contents, once checked (a model's tensors share one or a few locations) */
  private readonly byLocation = new Map<string, Uint8Array>();
  private readonly rootReal: string;

  constructor(private readonly modelPath: string) {
    this.rootReal = realpathSync(dirname(modelPath));
  }

  read(t: TensorProtoData): Uint8Array {
    const ext = t.external!;
    const buf = this.byLocation.get(ext.location) ?? this.load(t);
    return this.slice(t, buf);
  }

  /** Checks a location (inside the model's folder, a file) and reads its file, once per real path. */
  private load(t: TensorProtoData): Uint8Array {
    const loc = t.external!.location;
    const parts = loc.split(/[\\/]+/);
    if (isAbsolute(loc) || /^[a-zA-Z]:/.test(loc) || parts.includes('..')) {
      throw new UserError(`tensor '${t.name}': external data path '${loc}' leaves the model's folder; refusing to read it`);
    }
    const joined = join(this.rootReal, loc);
    let real: string;
    try {
      real = realpathSync(joined);
    } catch {
      throw new UserError(`tensor '${t.name}': external data file '${loc}' not found beside ${this.modelPath}`);
    }
    if (!real.startsWith(this.rootReal + sep)) {
      throw new UserError(`tensor '${t.name}': external data path '${loc}' resolves outside the model's folder; refusing to read it`);
    }
    let buf = this.files.get(real);
    if (!buf) {
      if (!statSync(real).isFile()) throw new UserError(`tensor '${t.name}': external data '${loc}' is not a file`);
      buf = readFileSync(real);
      this.files.set(real, buf);
    }
    this.byLocation.set(loc, buf);
    return buf;
  }

  private slice(t: TensorProtoData, buf: Uint8Array): Uint8Array {
    const ext = t.external!;
    const loc = ext.location;
    const width = byteWidth(t.dataType) ?? 1;
    let n: number;
    try {
      n = elementCount(t.dims);
    } catch (err) {
      throw new UserError(`tensor '${t.name}': ${(err as Error).message}`);
    }
    const length = ext.length ?? n * width;
    if (ext.offset + length > buf.byteLength) {
      throw new UserError(`tensor '${t.name}': external data '${loc}' is too short (needs ${ext.offset + length} bytes, has ${buf.byteLength})`);
    }
    return buf.subarray(ext.offset, ext.offset + length);
  }
}

/** Decodes one tensor (inline or external) into numbers, as a UserError on bad data. */
export function loadTensor(t: TensorProtoData, ext: ExternalDataResolver | undefined, label: string): ConstTensor {
  try {
    if (t.external) {
      if (!ext) throw new UserError(`${label}: tensor '${t.name}' uses external data, which needs the model's file path`);
      return decodeTensorData(t, ext.read(t));
    }
    return decodeTensorData(t);
  } catch (err) {
    if (err instanceof TensorDataError || err instanceof OnnxFormatError) throw new UserError(`${label}: ${err.message}`);
    throw err;
  }
}

export function readOnnxFile(path: string): LoadedOnnx {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path); // a Buffer is a Uint8Array: no copy
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const model = parseOnnxBytes(bytes, path);
  const ext = new ExternalDataResolver(path);
  const initializers = new Map<string, ConstTensor>();
  for (const t of model.graph.initializers) initializers.set(t.name, loadTensor(t, ext, path));
  return { model, initializers, path, external: ext };
}
