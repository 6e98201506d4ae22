// What diagnose returns: findings (rules that fired, rendered) and route verdicts.
import type { Evidence, Fix, RouteId, Severity } from '../matrix/types.js';
import type { ImportOutcome } from '../env/deep-probe.js';

export type Observed = 'confirmed' | 'refuted' | 'not-probed';

export interface FindingPackage {
  name: string;
  version: string | null;
}

export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  message: string;
  packages: FindingPackage[];
  evidence: Evidence[];
  fixes: Fix[];
  /** routes this finding makes non-viable */
  blocks: RouteId[];
  provenBy: string | null;
  unproven: boolean;
  /** set with a deep probe */
  observed?: Observed;
  /** what the deep probe saw, one line */
  observation?: string;
  /** set when an applied patch already fixes it (the finding is then info and blocks nothing) */
  fixedByPatch?: string;
  /** the rule condition's bindings (package, dependency, requires, ...): the finding's arguments as data */
  args?: Record<string, string>;
}

export interface RouteVerdict {
  id: RouteId;
  title: string;
  summary: string;
  viable: boolean;
  /** codes of the findings that block it */
  blockers: string[];
  note?: string;
}

export interface Disagreement {
  kind: 'predicted-failure-but-imported' | 'unpredicted-failure' | 'predicted-error-differs';
  module: string;
  /** the rule whose prediction the import contradicts, if any */
  code?: string;
  expected?: string;
  actual: string;
}

export interface Diagnosis {
  findings: Finding[];
  routes: RouteVerdict[];
  disagreements: Disagreement[];
  /** the deep probe's outcomes, when one ran */
  imports?: Record<string, ImportOutcome>;
}

/** C's op-gap predictor (src/optables/export-gaps.ts), injected so diagnose stays pure. */
export type ExportGapPredictor = (
  torchVersion: string, onnxVersion: string | null, extraHandlers?: Readonly<Record<string, readonly number[]>>,
) => {
  exporter: 'dynamo' | 'torchscript';
  opset: number;
  unsupported: { op: string; version: number }[];
  evidence: string;
} | null;

export interface AppliedPatch {
  id: string;
  /** rule codes the patch fixes, when the patch engine knows them */
  fixes?: string[];
  /** onnx-tf handler versions the patch adds: the op-gap prediction counts them as implemented */
  addsHandlers?: Record<string, number[]>;
}

export interface EvaluateOptions {
  deep?: Record<string, ImportOutcome>;
  appliedPatches?: AppliedPatch[];
  /** null/undefined: op-gap prediction unavailable (reported as info) */
  predictExportGaps?: ExportGapPredictor | null;
  /** judge only the rules with these codes (the lock solver's checks of partial choices) */
  onlyCodes?: ReadonlySet<string>;
}
