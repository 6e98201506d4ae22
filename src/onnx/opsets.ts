/**
 * Resolves a node's op to the since_version of the schema it uses. The history comes from the
 * generated table matrix/generated/onnx-op-schemas.json (onnx's own schema registry), read through
 * src/optables (helper C's module); this file only adapts it for the converter.
 */
import { UserError } from '../util/errors.js';
import { resolveSinceVersion as resolveFromTable } from '../optables/coverage.js';
import { onnxSchemas } from '../optables/tables.js';

function table(): ReturnType<typeof onnxSchemas> {
  try {
    return onnxSchemas();
  } catch (err) {
    throw new UserError(`cannot read the generated onnx op table (matrix/generated/onnx-op-schemas.json): ${(err as Error).message}`, 'regenerate it with: node scripts/gen-optables.mjs');
  }
}

/** The highest ai.onnx opset the table knows. */
export function maxKnownOpset(): number {
  return table().max_opset;
}

/** since_versions of an ai.onnx op, ascending; undefined for an op onnx does not define. */
export function sinceVersions(op: string): number[] | undefined {
  return table().ops[op]?.since_versions;
}

/** The schema version a node of `op` uses in a model importing ai.onnx `opset`; undefined if none. */
export function resolveSinceVersion(op: string, opset: number): number | undefined {
  table();
  return resolveFromTable(op, opset) ?? undefined;
}
