/**
 * The operator versions TensorFlow wrote (src/convert/quantize/int8-op-versions.json, generated) as a
 * lookup: signature key -> version. An operator code shared by several signatures gives only their
 * highest version; a signature seen only there is deduced when the others are known lower (it must
 * be the highest) or the code is at version 1 (nothing is lower).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpSignature } from '../../src/convert/tflite/op-version.js';

export interface TfRow extends OpSignature { signature: string; version: number; seenIn: string[] }
export interface TfTable {
  tensorflow: string;
  rules: { file: string; commit: string };
  exact: TfRow[];
  combined: { op: string; signatures: TfRow[]; version: number; seenIn: string[] }[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TF_TABLE = JSON.parse(readFileSync(join(root, 'src', 'convert', 'quantize', 'int8-op-versions.json'), 'utf8')) as TfTable;

/** signature key -> the version TensorFlow writes for it (seen alone, or deduced from a shared code) */
export const TF_VERSIONS: ReadonlyMap<string, number> = (() => {
  const m = new Map(TF_TABLE.exact.map((r) => [r.signature, r.version]));
  for (const c of TF_TABLE.combined) {
    const unknown = c.signatures.filter((s) => !m.has(s.signature));
    const knownMax = Math.max(0, ...c.signatures.filter((s) => m.has(s.signature)).map((s) => m.get(s.signature)!));
    if (unknown.length === 1 && (knownMax < c.version || c.version === 1)) m.set(unknown[0]!.signature, c.version);
  }
  return m;
})();

/** TensorFlow's version of one operator code over these signatures, and the signatures TensorFlow never wrote */
export function tfCodeVersion(keys: string[]): { version: number | undefined; unobserved: string[] } {
  const unobserved = [...new Set(keys.filter((k) => !TF_VERSIONS.has(k)))];
  return { version: unobserved.length ? undefined : Math.max(...keys.map((k) => TF_VERSIONS.get(k)!)), unobserved };
}
