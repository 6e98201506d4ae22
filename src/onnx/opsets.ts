/**
 * Resolves a node's op to the since_version of the schema it uses, from the generated table
 * matrix/generated/onnx-op-schemas.json (onnx's own schema registry; see its "generator" field).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';

interface SchemaTable {
  max_opset: number;
  source?: { version?: string };
  ops: Record<string, { since_versions: number[] }>;
}

let cached: SchemaTable | undefined;

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'matrix'))) return dir;
    dir = dirname(dir);
  }
  throw new UserError('cannot find the tfdoctor package folder (matrix/generated/onnx-op-schemas.json)');
}

export function schemaTable(): SchemaTable {
  if (!cached) {
    const p = join(findPackageRoot(), 'matrix', 'generated', 'onnx-op-schemas.json');
    if (!existsSync(p)) throw new UserError(`missing generated table ${p}`, 'regenerate it with: node scripts/gen-optables.mjs');
    cached = JSON.parse(readFileSync(p, 'utf8')) as SchemaTable;
  }
  return cached;
}

/** The highest ai.onnx opset the table knows. */
export function maxKnownOpset(): number {
  return schemaTable().max_opset;
}

/** since_versions of an ai.onnx op, ascending; undefined for an op onnx does not define. */
export function sinceVersions(op: string): number[] | undefined {
  return schemaTable().ops[op]?.since_versions;
}

/** The schema version a node of `op` uses in a model importing ai.onnx `opset`; undefined if none. */
export function resolveSinceVersion(op: string, opset: number): number | undefined {
  const versions = sinceVersions(op);
  if (!versions) return undefined;
  let best: number | undefined;
  for (const v of versions) if (v <= opset) best = v;
  return best;
}
