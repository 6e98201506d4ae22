/** The lowering registry: (ONNX op, since_version) -> lowering, built from lowerings/index.ts. */
import { allLowerings } from './lowerings/index.js';
import type { Lowering } from './lowering.js';

const byKey = new Map<string, Lowering>();
for (const l of allLowerings) {
  for (const v of l.versions) {
    const key = `${l.op}@${v}`;
    if (byKey.has(key)) throw new Error(`two lowerings registered for ${key}`);
    byKey.set(key, l);
  }
}

/** The lowering for a node whose op resolves to `sinceVersion`, if any. */
export function findLowering(op: string, sinceVersion: number): Lowering | undefined {
  return byKey.get(`${op}@${sinceVersion}`);
}

export interface SupportedOp {
  op: string;
  version: number;
  /** handled only when it folds to a constant (shape arithmetic) */
  constantOnly?: boolean;
}

/** Every (op, since_version) pair a registered lowering implements, sorted. */
export function supportedOps(): SupportedOp[] {
  const out: SupportedOp[] = [];
  for (const l of allLowerings) for (const v of l.versions) out.push({ op: l.op, version: v, ...(l.constantOnly ? { constantOnly: true } : {}) });
  return out.sort((a, b) => a.op.localeCompare(b.op, 'en') || a.version - b.version);
}
