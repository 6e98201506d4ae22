// Model facts (matrix/model.yaml `facts`) over a model: what in the file itself stops a route before
// any op runs. One evaluator per condition kind; the Record makes a kind without one a compile error.
import type { Evidence, RouteId } from '../matrix/types.js';
import type { ModelOps } from './read.js';
import type { ModelFactKind, ModelFactSpec, ModelFix } from './spec.js';

export interface ModelFinding {
  code: string;
  route: RouteId;
  kind: ModelFactKind;
  /** the bindings: input-name -> the first offending input, all of them (comma-joined), how many */
  args: Record<string, string>;
  evidence: Evidence[];
  fixes: ModelFix[];
  provenBy: string | null;
  unproven: boolean;
}

type Evaluator = (fact: ModelFactSpec, model: ModelOps) => Record<string, string> | null;

const EVALUATORS: Record<ModelFactKind, Evaluator> = {
  'input-name': (fact, model) => {
    const keeps = new RegExp(fact.keeps, 'u');
    const bad = model.inputs.filter((name) => !keeps.test(name));
    return bad.length ? { input: bad[0]!, inputs: bad.join(', '), count: String(bad.length) } : null;
  },
};

export function evaluateModelFacts(facts: readonly ModelFactSpec[], model: ModelOps): ModelFinding[] {
  const out: ModelFinding[] = [];
  for (const fact of facts) {
    const args = EVALUATORS[fact.kind](fact, model);
    if (!args) continue;
    out.push({
      code: fact.code, route: fact.route, kind: fact.kind, args, evidence: fact.evidence, fixes: fact.fixes,
      provenBy: fact.provenBy, unproven: fact.unproven,
    });
  }
  return out;
}
