// Loads and validates matrix/torch-export.yaml: torch version range -> default exporter and opset.
// A malformed file fails with file:line and what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidSpecifier } from '../matrix/pep440.js';
import type { Node } from 'yaml';
import { cacheKey, readCached, writeCached, yaml } from '../util/parsed-cache.js';
import { UserError } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';

export const torchExportFile = packagePath('matrix', 'torch-export.yaml');

export interface TorchExportRow {
  /** PEP 440 specifier over the torch version */
  torch: string;
  exporter: 'dynamo' | 'torchscript';
  opset: number;
  /** key in matrix/generated/torch-export-ops.json */
  opsFrom: string;
  externalData?: boolean;
  evidence: string;
  provenBy?: string;
  unproven?: boolean;
  line: number;
}

const KEYS = new Set(['torch', 'exporter', 'opset', 'ops_from', 'external_data', 'evidence', 'proven_by', 'unproven']);

export function parseTorchExport(text: string, file = torchExportFile): TorchExportRow[] {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const fail = (node: Node | null | undefined, what: string): never => {
    throw new UserError(`${file}:${lineOf(node)}: ${what}`);
  };
  const [syntax] = doc.errors;
  if (syntax) throw new UserError(`${file}:${lineCounter.linePos(syntax.pos[0]).line}: ${syntax.message.split('\n')[0]}`);
  if (!yaml().isMap(doc.contents)) fail(doc.contents, 'expected a mapping with `schema` and `rows`');
  const root = doc.contents as Exclude<typeof doc.contents, null>;
  if (!yaml().isMap(root)) throw new Error('unreachable');
  if ((doc.toJS() as { schema?: unknown }).schema !== 1) fail(root, '`schema: 1` expected');
  const rows = root.get('rows', true);
  if (!yaml().isSeq(rows)) return fail(root, '`rows` must be a list');
  return rows.items.map((item) => {
    if (!yaml().isMap(item)) return fail(item as Node, 'each row must be a mapping');
    for (const pair of item.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      if (!KEYS.has(key)) fail(pair.key as Node, `unknown key \`${key}\` (allowed: ${[...KEYS].join(', ')})`);
    }
    const row = item.toJSON() as Record<string, unknown>;
    const str = (key: string): string => {
      const v = row[key];
      if (typeof v !== 'string' || !v.trim()) fail(item, `\`${key}\` must be a non-empty string`);
      return v as string;
    };
    const torch = str('torch');
    if (!isValidSpecifier(torch)) fail(item, `\`torch: ${torch}\` is not a PEP 440 specifier`);
    const exporter = str('exporter');
    if (exporter !== 'dynamo' && exporter !== 'torchscript') fail(item, '`exporter` must be dynamo or torchscript');
    const opset = row.opset;
    if (typeof opset !== 'number' || !Number.isInteger(opset) || opset < 1) fail(item, '`opset` must be a positive integer');
    const provenBy = row.proven_by;
    const unproven = row.unproven;
    if (provenBy !== undefined && (typeof provenBy !== 'string' || !provenBy)) fail(item, '`proven_by` must name a test file');
    if (unproven !== undefined && unproven !== true) fail(item, '`unproven` may only be true');
    if ((provenBy === undefined) === (unproven === undefined)) fail(item, 'a row needs exactly one of `proven_by` and `unproven: true`');
    if (row.external_data !== undefined && typeof row.external_data !== 'boolean') fail(item, '`external_data` must be a boolean');
    return {
      torch,
      exporter: exporter as TorchExportRow['exporter'],
      opset: opset as number,
      opsFrom: str('ops_from'),
      ...(row.external_data !== undefined ? { externalData: row.external_data as boolean } : {}),
      evidence: str('evidence'),
      ...(provenBy !== undefined ? { provenBy: provenBy as string } : {}),
      ...(unproven ? { unproven: true } : {}),
      line: lineOf(item),
    };
  });
}

let loaded: TorchExportRow[] | undefined;

export function torchExportRows(): TorchExportRow[] {
  if (loaded) return loaded;
  const text = readFileSync(torchExportFile, 'utf8');
  const key = cacheKey('torch-export', ['1', torchExportFile, text]);
  loaded = readCached<TorchExportRow[]>(key);
  if (!loaded) {
    loaded = parseTorchExport(text);
    writeCached(key, loaded);
  }
  return loaded;
}
