// The model check: a model's ops and content against every route (check --model) or one (lock --model).
// Builds each route's coverage table from its source (onnx-tf's generated handler table plus patch
// handlers, the native converter's lowering registry) and evaluates the model facts.
import type { RouteId } from '../matrix/types.js';
import { satisfies } from '../matrix/pep440.js';
import { onnxTfResolutionOpset, resolveSinceVersion } from '../optables/coverage.js';
import { onnxSchemas, onnxTfHandlers } from '../optables/tables.js';
import { coverageWith, coverageWithout, type RouteModelCoverage, type RouteTable } from './coverage.js';
import { evaluateModelFacts, type ModelFinding } from './facts.js';
import type { ModelOps } from './read.js';
import type { ModelSpec, RouteCoverageSpec } from './spec.js';

export { readModelOps, type ModelOps, type ModelOp } from './read.js';
export { loadModelSpec, parseModelSpec, type ModelSpec } from './spec.js';
export type { RouteModelCoverage, OpGap } from './coverage.js';
export type { ModelFinding } from './facts.js';

/** The code a route's op gap carries in route verdicts and plan steps. */
export const MODEL_OP_GAP = 'MODEL_OP_GAP';

export interface HandlerPatch {
  id: string;
  addsHandlers: Record<string, number[]>;
}

export interface ModelCheckContext {
  /** the routes to judge (default: every route in model.yaml) */
  routes?: readonly RouteId[];
  /** onnx-tf's version in the env or plan; null/undefined: not installed (the table's release is assumed) */
  onnxTf?: string | null;
  /** onnx's version: onnx-tf resolves op versions through it */
  onnx?: string | null;
  /** patches applied (check) or planned (lock): their handlers count as covered */
  patches: readonly HandlerPatch[];
  /** patches that could still be applied: offered as closers */
  candidates: readonly HandlerPatch[];
}

export interface ModelCheck {
  model: { path: string; producer: string; irVersion: number; opset: number | null; opsets: Record<string, number>; inputs: string[]; ops: number };
  routes: RouteModelCoverage[];
  findings: ModelFinding[];
  /** check --model: the rules predicting torch's default export that gave way to this model's verdict */
  supersedes?: string[];
}

const firstVersion = (op: string): number | undefined => onnxSchemas().ops[op]?.since_versions[0];

function onnxTfTable(model: ModelOps, ctx: ModelCheckContext): RouteTable {
  const handlers = onnxTfHandlers().handlers;
  const extra = new Map<string, Set<number>>();
  for (const p of ctx.patches) for (const [op, vs] of Object.entries(p.addsHandlers)) for (const v of vs) (extra.get(op) ?? extra.set(op, new Set()).get(op)!).add(v);
  const counted = new Set(ctx.patches.map((p) => p.id));
  return {
    covers: (op, domain, v) => domain === '' && (handlers[op]?.versions.includes(v) === true || extra.get(op)?.has(v) === true),
    resolve: (op, opset) => resolveSinceVersion(op, onnxTfResolutionOpset(opset, ctx.onnx)),
    firstVersion,
    resolvedAt: model.opset === null ? null : onnxTfResolutionOpset(model.opset, ctx.onnx),
    counted: [...counted],
    candidates: ctx.candidates.filter((p) => !counted.has(p.id)),
  };
}

async function nativeTable(model: ModelOps): Promise<RouteTable> {
  // the converter's registry loads every lowering: only when a native verdict is asked for
  const { findLowering } = await import('../convert/registry.js');
  return {
    covers: (op, domain, v) => {
      if (domain !== '') return false;
      const l = findLowering(op, v);
      return l ? (l.constantOnly ? 'conditional' : true) : false;
    },
    resolve: (op, opset) => resolveSinceVersion(op, opset),
    firstVersion,
    resolvedAt: model.opset,
    counted: [],
    candidates: [],
  };
}

async function routeCoverage(model: ModelOps, spec: RouteCoverageSpec, exportOpsets: ModelSpec['exportOpsets'], ctx: ModelCheckContext): Promise<RouteModelCoverage> {
  switch (spec.coverage) {
    case 'onnx-tf-handlers':
      if (ctx.onnxTf && spec.versions && !satisfies(ctx.onnxTf, spec.versions)) return coverageWithout(spec, 'converter-version', ctx.onnxTf);
      return coverageWith(model, spec, onnxTfTable(model, ctx), exportOpsets);
    case 'native-registry':
      return coverageWith(model, spec, await nativeTable(model), exportOpsets);
    case 'unknown':
      return coverageWithout(spec, 'no-table');
    case 'not-applicable':
      return coverageWithout(spec, 'not-onnx-input');
  }
}

export async function checkModel(model: ModelOps, spec: ModelSpec, ctx: ModelCheckContext): Promise<ModelCheck> {
  const specs = spec.routes.filter((r) => !ctx.routes || ctx.routes.includes(r.route));
  const routes = await Promise.all(specs.map((r) => routeCoverage(model, r, spec.exportOpsets, ctx)));
  const findings = evaluateModelFacts(spec.facts.filter((f) => !ctx.routes || ctx.routes.includes(f.route)), model);
  return {
    model: {
      path: model.path, producer: model.producer, irVersion: model.irVersion, opset: model.opset, opsets: model.opsets,
      inputs: model.inputs, ops: model.ops.length,
    },
    routes, findings,
  };
}

/** The codes that stop each route for this model: MODEL_OP_GAP and the facts that hold. */
export function modelBlockers(check: ModelCheck): Map<RouteId, string[]> {
  const out = new Map<RouteId, string[]>();
  const add = (route: RouteId, code: string) => out.set(route, [...(out.get(route) ?? []), code]);
  for (const r of check.routes) if (r.status === 'gap') add(r.route, MODEL_OP_GAP);
  for (const f of check.findings) add(f.route, f.code);
  return out;
}
