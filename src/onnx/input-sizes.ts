/**
 * The sizes a conversion gives an ONNX model's symbolic input dims, and the one rule that applies them:
 * build-ir sizes the model's inputs by it and the verifiers size their feeds by it, so the two agree.
 */

/** Sizes by name (convert --dim) and the batch (--batch) a symbolic first dim takes. */
export interface InputSizes {
  dims?: ReadonlyMap<string, number>;
  /** the size a symbolic first dimension was given (default 1) */
  batch?: number;
}

/** Just the InputSizes fields of a larger options object (for passing on). */
export function inputSizes(o: InputSizes): InputSizes {
  return { ...(o.dims ? { dims: o.dims } : {}), ...(o.batch ? { batch: o.batch } : {}) };
}

/**
 * The size of a dim that is not a positive number: by its name when `sizes.dims` has it, else the batch when
 * it is the first dim; undefined otherwise (a dynamic dim TFLite cannot take).
 */
export function symbolicDimSize(dim: string | number | null | undefined, index: number, sizes: InputSizes): { size: number; by: 'name' | 'batch' } | undefined {
  const named = typeof dim === 'string' ? sizes.dims?.get(dim) : undefined;
  if (named !== undefined) return { size: named, by: 'name' };
  return index === 0 ? { size: sizes.batch ?? 1, by: 'batch' } : undefined;
}
