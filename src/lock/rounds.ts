// The referee's rounds, shared by `lock` and `fix`: the solver picks pins, pip's resolver resolves their
// requirement lines, the matrix judges pip's closure. A rule the closure trips becomes a constraint
// (its dependency and range), else the choice becomes a nogood; a conflict pip reports turns the choice
// down (or, for fix, lets pip choose a distribution the caller kept). The callers decide what a choice's
// requirement lines are and what a plan is made of; this loop only runs the rounds.
import type { Finding } from '../diagnose/types.js';
import type { ExplainFact } from './explain.js';
import { plannedSnapshot, solve, type SolveFailure, type SolveInput, type SolveSuccess } from './solve.js';
import type { RefereeOutcome, ResolvedPackage } from './types.js';

export interface RoundsInput {
  /** the solver's input but for the nogoods the rounds add */
  solve: Omit<SolveInput, 'nogoods'>;
  /** pip's resolver on requirement lines + constraint lines */
  referee: (requirements: string[], constraints: string[]) => Promise<RefereeOutcome>;
  /** the requirement lines handed to pip for the solver's choice */
  request: (result: SolveSuccess) => string[];
  /**
   * pip reports a conflict: true when the caller changed what it requests instead (fix leaves a
   * distribution it kept at its installed version to pip); otherwise the choice is turned down
   */
  loosen?: (causes: string[], requested: string[]) => boolean;
  /** the choice to turn down (default: every pin), given the findings pip's closure trips ([] for a pip conflict) */
  nogood?: (result: SolveSuccess, tripped: Finding[]) => Record<string, string | null>;
  maxRounds?: number;
  /** progress lines, prefixed by `label` */
  progress?: (message: string) => void;
  label?: string;
}

export type RoundsOutcome =
  | {
    kind: 'resolved'; result: SolveSuccess; requested: string[]; constraints: { requirement: string; rule: string }[];
    closure: ResolvedPackage[]; rounds: number; referee: { pipVersion: string; command: string[]; seconds: number }; nodes: number;
  }
  /** the solver found no choice (the facts pip gave in earlier rounds included) */
  | { kind: 'unsolved'; result: SolveFailure; pipFacts: ExplainFact[]; nodes: number }
  /** the choice is compatible, but the index cannot deliver a file of it */
  | { kind: 'index-lacks-file'; requested: string[]; url: string; detail: string }
  | { kind: 'referee-failed'; outcome: RefereeOutcome }
  | { kind: 'exhausted'; maxRounds: number; pipFacts: ExplainFact[]; nodes: number };

const everyPin = (result: SolveSuccess): Record<string, string | null> => Object.fromEntries(result.pins.map((p) => [p.name, p.version]));

export async function refereeRounds(input: RoundsInput): Promise<RoundsOutcome> {
  const nogoods: Record<string, string | null>[] = [];
  const constraints: { requirement: string; rule: string }[] = [];
  const pipFacts: ExplainFact[] = [];
  const maxRounds = input.maxRounds ?? 6;
  const nogood = input.nogood ?? everyPin;
  const log = (m: string) => input.progress?.(`${input.label ?? ''}${m}`);
  const s = input.solve;
  const blocks = s.blocks ?? ((f: Finding) => f.severity === 'error' && f.blocks.includes(s.route.route));
  let nodes = 0;
  for (let round = 1; round <= maxRounds; round++) {
    const result = await solve({ ...s, nogoods });
    nodes += result.nodes;
    if (!result.ok) return { kind: 'unsolved', result, pipFacts, nodes };
    const requested = input.request(result);
    log(`round ${round}: pip resolves ${requested.join(' ')}${constraints.length ? ` with ${constraints.map((c) => c.requirement).join(', ')}` : ''}`);
    const outcome = await input.referee(requested, constraints.map((c) => c.requirement));
    if (outcome.kind === 'index-error' && outcome.missingFiles?.length) {
      return { kind: 'index-lacks-file', requested, url: outcome.missingFiles[0]!, detail: outcome.detail };
    }
    if (outcome.kind === 'timeout' || outcome.kind === 'index-error' || outcome.kind === 'pip-error') return { kind: 'referee-failed', outcome };
    if (outcome.kind !== 'resolved') {
      const why = outcome.kind === 'conflict' ? outcome.causes.join('; ') : `no distribution for ${outcome.requirement}`;
      log(`round ${round}: pip turns it down: ${why}`);
      pipFacts.push({ kind: 'pip', detail: why });
      if (!(outcome.kind === 'conflict' && input.loosen?.(outcome.causes, requested))) nogoods.push(nogood(result, []));
      continue;
    }
    const closure = [...outcome.packages].sort((a, b) => a.name.localeCompare(b.name, 'en'));
    const tripped = judgeClosure(closure, result, s, blocks);
    if (tripped.length === 0) {
      return {
        kind: 'resolved', result, requested, constraints, closure, rounds: round, nodes,
        referee: { pipVersion: outcome.pipVersion, command: outcome.command, seconds: outcome.seconds },
      };
    }
    log(`round ${round}: pip's closure trips ${tripped.map((f) => `${f.code} (${f.packages.map((p) => `${p.name} ${p.version ?? ''}`.trim()).join(', ')})`).join('; ')}`);
    let added = false;
    for (const f of tripped) {
      const dep = f.args?.dependency;
      const range = f.args?.requires;
      if (dep && range && !constraints.some((c) => c.requirement === `${dep}${range}`)) {
        constraints.push({ requirement: `${dep}${range}`, rule: f.code });
        added = true;
      }
    }
    if (!added) nogoods.push(nogood(result, tripped));
  }
  return { kind: 'exhausted', maxRounds, pipFacts, nodes };
}

/** Findings in pip's closure that rule the plan out and that its patches and export call do not clear. */
function judgeClosure(closure: ResolvedPackage[], solved: SolveSuccess, s: RoundsInput['solve'], blocks: (f: Finding) => boolean): Finding[] {
  const picks = new Map(closure.map((p) => [p.name, { version: p.version, requiresDist: p.requiresDist, requiresPython: p.requiresPython }]));
  return s.evaluate(plannedSnapshot(picks, s.target), solved.patches.map((p) => p.id))
    .filter((f) => blocks(f) && !f.fixedByPatch && !f.fixes.some((x) => x.kind === 'export-option'));
}
