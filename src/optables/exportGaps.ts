// Predicts, from the installed torch version alone, whether its default torch.onnx.export call emits
// op versions onnx-tf 1.10.0 cannot take. Data: matrix/torch-export.yaml (exporter and opset per torch
// range) and matrix/generated/torch-export-ops.json (the op types those exports really contain).
import { satisfiesExcludingPre } from '../matrix/pep440.js';
import { onnxMaxOpset, onnxTfGaps, onnxTfResolutionOpset, type OpVersion } from './coverage.js';
import { torchExportOps } from './tables.js';
import { torchExportRows, type TorchExportRow } from './torchExport.js';

export interface ExportGapPrediction {
  exporter: 'dynamo' | 'torchscript';
  opset: number;
  unsupported: OpVersion[];
  evidence: string;
  /** the opset onnx-tf resolves handlers at (the installed onnx's max opset when lower) */
  resolvedAtOpset?: number;
  /** the torch-export.yaml row has no real-env proof */
  unproven?: boolean;
  /** the default export writes weights to a `.onnx.data` file beside the model */
  externalData?: boolean;
  /** op types assumed in the export (observed in the export named by the row's ops_from) */
  ops?: string[];
}

/** The torch-export.yaml row covering a torch version, or null. */
export function torchExportRow(torchVersion: string): TorchExportRow | null {
  return torchExportRows().find((row) => satisfiesExcludingPre(torchVersion, row.torch)) ?? null;
}

/**
 * For the torch version's default export: its exporter, opset and the (op, version) pairs onnx-tf
 * 1.10.0 has no handler for, resolved as onnx-tf does through the installed onnx (`onnxVersion`;
 * null = assume an onnx that knows the export's opset). null when no row covers the torch version.
 */
export function predictExportGaps(
  torchVersion: string, onnxVersion: string | null, extraHandlers: Readonly<Record<string, readonly number[]>> = {},
): ExportGapPrediction | null {
  const row = torchExportRow(torchVersion);
  if (!row) return null;
  const observed = torchExportOps().exports[row.opsFrom];
  if (!observed) throw new Error(`matrix/torch-export.yaml:${row.line}: ops_from \`${row.opsFrom}\` is not in torch-export-ops.json`);
  const resolvedAt = onnxTfResolutionOpset(row.opset, onnxVersion);
  const unsupported = onnxTfGaps(observed.ops, row.opset, onnxVersion, extraHandlers);
  const cap = onnxVersion ? onnxMaxOpset(onnxVersion) : null;
  const capNote = resolvedAt < row.opset
    ? ` onnx ${onnxVersion} knows opsets up to ${cap}, so onnx-tf resolves op versions at ${resolvedAt} ` +
      '(seen for real: an opset-23 model under onnx 1.16.2 fails on Reshape-21); a node newer than that runs an ' +
      'older handler, which is not checked here.'
    : '';
  const proof = row.provenBy ? `proven by ${row.provenBy}` : 'unproven';
  return {
    exporter: row.exporter,
    opset: row.opset,
    unsupported,
    evidence: `torch ${row.torch}: default exporter ${row.exporter}, opset ${row.opset} (${proof}; ` +
      `matrix/torch-export.yaml:${row.line}): ${row.evidence}. Op types from a real export of the seed's FBNet ` +
      `blocks (matrix/generated/torch-export-ops.json "${row.opsFrom}").${capNote}`,
    resolvedAtOpset: resolvedAt,
    ...(row.unproven ? { unproven: true } : {}),
    ...(row.externalData !== undefined ? { externalData: row.externalData } : {}),
    ops: observed.ops,
  };
}
