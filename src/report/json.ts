// The versioned JSON document `check --json` prints: one object on stdout.
import type { EnvSnapshot } from '../env/types.js';
import type { Diagnosis, Finding } from '../diagnose/types.js';
import { countBySeverity } from '../diagnose/evaluate.js';
import type { ModelCheck } from '../model/index.js';
import { modelFindingText } from './model.js';

export const CHECK_SCHEMA_VERSION = 1;

export interface CheckMeta {
  tool: { name: string; version: string };
  matrixDir: string;
  /** distributions whose family the matrix tracks, reported with versions */
  tracked: string[];
  deep: boolean;
  /** check --model */
  model?: ModelCheck;
}

export function checkDocument(d: Diagnosis, snap: EnvSnapshot, meta: CheckMeta) {
  const counts = countBySeverity(d.findings);
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    tool: meta.tool,
    matrix: { dir: meta.matrixDir },
    environment: {
      kind: snap.kind,
      source: snap.source,
      planned: snap.planned,
      python: snap.python,
      platform: snap.platform,
      prefix: snap.prefix,
      envVars: snap.envVars,
      distributionCount: Object.keys(snap.distributions).length,
      packages: meta.tracked
        .map((n) => snap.distributions[n])
        .filter((x) => x !== undefined)
        .map((x) => ({ name: x.name, version: x.version })),
      ...(snap.unpinned && snap.unpinned.length > 0 ? { unpinned: snap.unpinned } : {}),
    },
    routes: d.routes.map((r) => ({ id: r.id, title: r.title, viable: r.viable, blockers: r.blockers, ...(r.note ? { note: r.note } : {}) })),
    findings: d.findings.map(findingJson),
    disagreements: d.disagreements,
    deep: meta.deep
      ? Object.values(d.imports ?? {}).map((o) => ({ module: o.module, ok: o.ok, seconds: o.seconds, ...(o.version ? { version: o.version } : {}), ...(o.error ? { error: o.error } : {}) }))
      : null,
    ...(meta.model ? { model: { ...meta.model, findings: meta.model.findings.map((f) => ({ ...f, message: modelFindingText(f) })) } } : {}),
    summary: { ...counts, viableRoutes: d.routes.filter((r) => r.viable).map((r) => r.id), disagreements: d.disagreements.length },
  };
}

function findingJson(f: Finding) {
  return {
    code: f.code,
    severity: f.severity,
    title: f.title,
    message: f.message,
    packages: f.packages,
    evidence: f.evidence,
    fixes: f.fixes,
    blocks: f.blocks,
    provenBy: f.provenBy,
    unproven: f.unproven,
    ...(f.observed ? { observed: f.observed, observation: f.observation ?? null } : {}),
    ...(f.fixedByPatch ? { fixedByPatch: f.fixedByPatch } : {}),
  };
}
