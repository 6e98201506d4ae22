// Compares predictions with what a deep probe's real imports saw. A contradiction in either
// direction is a disagreement: it means the matrix is wrong.
import type { ImportOutcome } from '../env/deep-probe.js';
import type { Observation, Rule } from '../matrix/types.js';
import type { Facts } from './facts.js';
import type { Disagreement, Finding, Observed } from './types.js';

function matches(o: Observation, out: ImportOutcome): boolean {
  return !out.ok && out.error?.type === o.error && (out.error.message.includes(o.message) || (out.error.lastLine ?? '').includes(o.message));
}

function describe(out: ImportOutcome): string {
  if (out.ok) return `import ${out.module} succeeded`;
  const e = out.error!;
  const where = e.frame ? ` (${e.frame.file}:${e.frame.line})` : '';
  return `import ${out.module}: ${e.type}: ${e.message}${where}`;
}

/** Sets finding.observed / observation and returns the disagreements. */
export function compareWithImports(
  fired: { rule: Rule; finding: Finding }[],
  allRules: Rule[],
  imports: Record<string, ImportOutcome>,
  facts: Facts,
): Disagreement[] {
  const disagreements: Disagreement[] = [];
  for (const { rule, finding } of fired) {
    const probed = rule.observe.filter((o) => imports[o.module]);
    if (probed.length === 0) {
      finding.observed = 'not-probed';
      finding.observation = rule.observe.length === 0 ? 'no import failure shows this (it shows at export/conversion time, or only as a warning)' : 'module not imported';
      continue;
    }
    let verdict: Observed = 'not-probed';
    const notes: string[] = [];
    for (const o of probed) {
      const out = imports[o.module]!;
      if (matches(o, out)) {
        if (verdict !== 'refuted') verdict = 'confirmed';
        notes.push(describe(out));
      } else if (out.ok && !finding.fixedByPatch) {
        verdict = 'refuted';
        notes.push(describe(out));
        disagreements.push({
          kind: 'predicted-failure-but-imported', module: o.module, code: rule.code,
          expected: `${o.error}: …${o.message}…`, actual: describe(out),
        });
      } else if (out.ok) {
        notes.push(`${describe(out)} (patch ${finding.fixedByPatch} applied)`);
      } else {
        notes.push(`masked: ${describe(out)}`);
      }
    }
    finding.observed = verdict;
    finding.observation = notes.join('; ');
  }

  // every failed import must be predicted by a rule that fired (and is not patched away)
  const live = fired.filter((f) => !f.finding.fixedByPatch);
  const predicted = (out: ImportOutcome) => live.some(({ rule }) => rule.observe.some((o) => o.module === out.module && matches(o, out)));
  // the same exception (type and message) as a predicted failure is that failure reached through
  // another import (tensorflow_probability importing a broken tensorflow), not a new one
  const predictedSignatures = new Set(Object.values(imports).filter((o) => !o.ok && predicted(o)).map(signature));
  for (const out of Object.values(imports)) {
    if (out.ok) continue;
    if (isExpectedAbsence(out, facts)) continue;
    if (predicted(out) || predictedSignatures.has(signature(out))) continue;
    const silent = allRules.find((r) => r.observe.some((o) => o.module === out.module && matches(o, out)));
    const patched = fired.find(({ rule, finding }) => finding.fixedByPatch && rule.observe.some((o) => o.module === out.module && matches(o, out)));
    disagreements.push({
      kind: 'unpredicted-failure',
      module: out.module,
      ...(silent ? { code: silent.code } : {}),
      actual: describe(out),
      expected: patched ? `success: patch ${patched.finding.fixedByPatch} is applied for ${patched.rule.code}`
        : silent ? `success (rule ${silent.code} describes this failure but its condition did not hold)` : 'success (no rule predicts this failure)',
    });
  }
  return disagreements;
}

function signature(out: ImportOutcome): string {
  return `${out.error?.type}\0${out.error?.message}`;
}

/** `import X` failing with "No module named 'X'" when no installed distribution provides X is what the snapshot says. */
function isExpectedAbsence(out: ImportOutcome, facts: Facts): boolean {
  if (out.error?.type !== 'ModuleNotFoundError') return false;
  const top = out.module.split('.')[0]!;
  const missing = out.error.missingModule ?? /No module named '([^']+)'/.exec(out.error.message)?.[1];
  if (!missing || missing.split('.')[0] !== top) return false;
  return facts.importProviders(top).length === 0;
}
