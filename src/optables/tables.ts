// Loads the generated op-coverage tables shipped in matrix/generated/ (see its README).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../util/package-root.js';

export const generatedDir = packagePath('matrix', 'generated');

export interface GeneratedHeader {
  generator: string;
  regenerate: string;
  generated: string;
  source: { package: string; version: string; [key: string]: string };
}

export interface OnnxOpHistory {
  since_versions: number[];
  deprecated: boolean;
  deprecated_since?: number;
}

export interface OnnxSchemasTable extends GeneratedHeader {
  domain: 'ai.onnx';
  max_opset: number;
  /** onnx.helper.VERSION_TABLE of the generating onnx: release -> IR version and ai.onnx opset. */
  version_table: { onnx: string; ir_version: number; ai_onnx_opset: number }[];
  ops: Record<string, OnnxOpHistory>;
}

export interface OnnxTfHandlersTable extends GeneratedHeader {
  handlers: Record<string, { versions: number[]; domain: string; file: string; class: string }>;
  inherited_versions: Record<string, number[]>;
  opset_version_py: { ops_listed: number; ops_with_versions: number; mismatches: unknown[] };
}

export interface TorchExportObservation {
  kwargs: Record<string, unknown>;
  exporter: 'dynamo' | 'torchscript';
  opset: number;
  ir_version: number;
  external_data: boolean;
  ops: string[];
  other_domain_ops: Record<string, string[]>;
}

export interface TorchExportOpsTable extends GeneratedHeader {
  exports: Record<string, TorchExportObservation>;
}

export const SCHEMAS_FILE = 'onnx-op-schemas.json';
export const ONNX_TF_HANDLERS_FILE = 'onnx-tf-1.10.0-handlers.json';
export const TORCH_EXPORT_OPS_FILE = 'torch-export-ops.json';

/** by folder, then file name: a lookup per call (the converter asks once per node) without building a path */
const cache = new Map<string, Map<string, unknown>>();

function loadJson<T>(file: string, dir: string): T {
  let inDir = cache.get(dir);
  if (inDir === undefined) cache.set(dir, (inDir = new Map()));
  let value = inDir.get(file);
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    inDir.set(file, value);
  }
  return value as T;
}

export function onnxSchemas(dir = generatedDir): OnnxSchemasTable {
  return loadJson<OnnxSchemasTable>(SCHEMAS_FILE, dir);
}

export function onnxTfHandlers(dir = generatedDir): OnnxTfHandlersTable {
  return loadJson<OnnxTfHandlersTable>(ONNX_TF_HANDLERS_FILE, dir);
}

export function torchExportOps(dir = generatedDir): TorchExportOpsTable {
  return loadJson<TorchExportOpsTable>(TORCH_EXPORT_OPS_FILE, dir);
}
