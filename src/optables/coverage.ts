// Op-version arithmetic over the generated tables: which since_version an op has at an opset,
// and which of those onnx-tf 1.10.0 has no handler for.
import { compareVersions, isValidVersion } from '../matrix/pep440.js';
import { onnxSchemas, onnxTfHandlers } from './tables.js';

export interface OpVersion {
  op: string;
  version: number;
}

/** The op's since_version in effect at `opset` (the newest one <= opset), or null if none is. */
export function resolveSinceVersion(op: string, opset: number): number | null {
  const history = onnxSchemas().ops[op];
  if (!history) return null;
  let found: number | null = null;
  for (const v of history.since_versions) if (v <= opset) found = v;
  return found;
}

/**
 * The highest ai.onnx opset an installed onnx release knows, from onnx's own VERSION_TABLE
 * (the newest listed release <= the given version). null when the version is newer than every
 * listed release (it knows at least the generating onnx's opsets) or is not a PEP 440 version.
 */
export function onnxMaxOpset(onnxVersion: string): number | null {
  if (!isValidVersion(onnxVersion)) return null;
  const table = onnxSchemas().version_table;
  const newest = table.reduce((a, b) => (compareVersions(a.onnx, b.onnx) >= 0 ? a : b));
  if (compareVersions(onnxVersion, newest.onnx) > 0) return null;
  let best: (typeof table)[number] | null = null;
  for (const row of table) {
    if (compareVersions(row.onnx, onnxVersion) <= 0 && (!best || compareVersions(row.onnx, best.onnx) > 0)) best = row;
  }
  return best ? best.ai_onnx_opset : table.reduce((a, b) => (compareVersions(a.onnx, b.onnx) <= 0 ? a : b)).ai_onnx_opset;
}

/**
 * The opset onnx-tf really resolves handler versions at: onnx-tf asks the INSTALLED onnx for
 * get_schema(op, max_inclusive_version=model_opset), so an onnx that stops below the model's
 * opset resolves as if the model were at that onnx's max opset.
 */
export function onnxTfResolutionOpset(opset: number, installedOnnx?: string | null): number {
  const cap = installedOnnx ? onnxMaxOpset(installedOnnx) : null;
  return cap === null ? opset : Math.min(opset, cap);
}

/**
 * Ops (default domain) whose effective version onnx-tf 1.10.0 has no version_N handler for,
 * or that have no handler at all. An op the onnx schemas don't know at that opset resolves to
 * version 1, as onnx-tf itself does. Order follows `ops`, each op once.
 */
export function onnxTfGaps(
  ops: string[], opset: number, installedOnnx?: string | null, extraHandlers: Readonly<Record<string, readonly number[]>> = {},
): OpVersion[] {
  const at = onnxTfResolutionOpset(opset, installedOnnx);
  const handlers = onnxTfHandlers().handlers;
  const gaps: OpVersion[] = [];
  for (const op of new Set(ops)) {
    const version = resolveSinceVersion(op, at) ?? 1;
    const handler = handlers[op];
    // extraHandlers: versions an applied tfdoctor patch adds (patches/*.yaml `adds_handlers`)
    if (extraHandlers[op]?.includes(version)) continue;
    if (!handler || !handler.versions.includes(version)) gaps.push({ op, version });
  }
  return gaps;
}
