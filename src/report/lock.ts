// All wording of `tfdoctor lock`: the plan, the explanation when there is none, and the JSON document.
import type { ChalkInstance } from 'chalk';
import type { ExplainFact, Explanation } from '../lock/explain.js';
import type { LockOutcome, Plan } from '../lock/plan.js';
import type { Target } from '../lock/types.js';
import { modelFindingText, renderModelCheck } from './model.js';

export const LOCK_SCHEMA_VERSION = 1;

function targetText(t: Target): string {
  return `Python ${t.python} on ${t.platform.system}-${t.platform.machine}`;
}

function wheelTag(t: Target): string {
  return `cp${t.python.split('.').slice(0, 2).join('')}`;
}

export function factText(f: ExplainFact, target: Target): string {
  switch (f.kind) {
    case 'route-needs':
      if (f.requirement) return `the ${f.route} route needs ${f.pkg}: ${f.by} declares "${f.requirement}"`;
      if (f.by) return `the ${f.route} route needs ${f.pkg}: ${f.by} imports it without declaring it${f.rule ? ` (${f.rule})` : ''}${f.note ? `: ${f.note}` : ''}`;
      return `the ${f.route} route installs ${f.pkg}`;
    case 'user-pin':
      return `you asked for ${f.requirement} (--with)`;
    case 'not-on-index':
      return `${f.pkg} is on none of the configured indexes`;
    case 'no-file':
      return `no release of ${f.pkg} has a file for ${wheelTag(target)} on ${target.platform.system}-${target.platform.machine}`
        + (f.newest ? ` (${f.releases} release${f.releases === 1 ? '' : 's'} checked; the newest, ${f.newest}, has ${f.tagsSeen.length ? f.tagsSeen.join(', ') : 'no wheel'})` : '');
    case 'requires-python':
      return `every release of ${f.pkg} with files requires another Python: ${f.examples.map((e) => `${e.version} requires Python ${e.requiresPython}`).join('; ')}`
        + (f.releases > f.examples.length ? ` (${f.releases} releases)` : '');
    case 'requires':
      return `${f.from} requires "${f.requirement}", which rules out ${f.excludes}${f.count > 1 ? ` (and ${f.count - 1} more choices)` : ''}`;
    case 'rule':
      return `${f.code}: ${f.title} (${f.packages})${f.count > 1 ? `, ruled out ${f.count} choices` : ''}`
        + (f.evidence[0] ? `; evidence: ${f.evidence[0].ref}` : '');
    case 'pip':
      return `pip's resolver: ${f.detail}`;
  }
}

export function renderExplanation(e: Explanation, c: ChalkInstance): string {
  const out = [`${c.bold('tfdoctor lock')}: ${c.red('no environment')} for the ${e.route} route on ${targetText(e.target)}`, ''];
  e.facts.forEach((f, i) => out.push(`  ${i === 0 ? ' ' : c.dim('→')} ${factText(f, e.target)}`));
  out.push(`  ${c.bold('∴')} so the ${e.route} route has no environment on ${targetText(e.target)}`);
  if (e.budgetExhausted) out.push(c.yellow(`  (the search stopped after ${e.nodes} choices; these are the reasons seen most)`));
  if (e.alternatives.length) {
    out.push('', c.bold('Nearest targets that solve'));
    for (const a of e.alternatives) {
      out.push(`  tfdoctor lock --route ${a.route} --python ${a.python}`, c.dim(`      ${a.pins.join(' ')}`));
    }
  } else {
    out.push('', 'No other Python (3.9-3.13) or route solves on this platform.');
  }
  return `${out.join('\n')}\n`;
}

export function renderPlan(plan: Plan, c: ChalkInstance, reproduce: string, written: string | null): string {
  const out = [`${c.bold('tfdoctor lock')}: ${c.green('solved')} the ${plan.route} route for ${targetText(plan.target)}`,
    `  ${plan.closure.length} packages, refereed by pip ${plan.referee.pipVersion} in ${plan.rounds} round${plan.rounds === 1 ? '' : 's'} (${plan.referee.seconds.toFixed(1)} s)`, ''];
  out.push(c.bold('Pins'), ...plan.requested.map((r) => `  ${r}`));
  for (const k of plan.constraints) out.push(`  ${k.requirement}   ${c.dim(`(constraint from ${k.rule})`)}`);
  out.push('', c.bold('Steps'));
  plan.steps.forEach((s, i) => {
    const what = s.kind === 'patch' ? `apply patch ${s.text}: tfdoctor fix --apply-patches --only ${s.text}` : s.kind === 'export' ? `export: ${s.text}` : `convert: ${s.text}`;
    out.push(`  ${i + 1}. ${what}${s.clears.length ? c.dim(`  (clears ${s.clears.join(', ')})`) : ''}`);
    if (s.decomposes?.length) out.push(c.yellow(`     ${s.decomposes.join(', ')} ${s.decomposes.length === 1 ? 'does' : 'do'} not exist at opset ${s.opset}: torch writes ${s.decomposes.length === 1 ? 'it' : 'them'} with other ops, which this plan did not judge; run tfdoctor check --model on the new export`));
  });
  if (plan.model) {
    out.push('', ...renderModelCheck(plan.model.check, c));
    if (plan.model.blocked) out.push(c.red(`  the ${plan.route} route cannot take this model: no step of the plan closes what is marked ✗ above`));
  }
  if (plan.warnings.length) {
    out.push('', c.bold('Warnings'));
    for (const w of plan.warnings) out.push(`  ${c.yellow('!')} ${w.code}: ${w.title}`);
  }
  out.push('', written ? `Wrote ${written} (${plan.closure.length} pins). Install: pip install -r ${written}` : c.dim('(-o FILE writes the whole closure)'));
  out.push(c.dim(`Reproduce: ${reproduce}`));
  return `${out.join('\n')}\n`;
}

export function lockDocument(outcome: LockOutcome, reproduce: string, written: string | null) {
  const base = { schemaVersion: LOCK_SCHEMA_VERSION, kind: outcome.kind, reproduce };
  switch (outcome.kind) {
    case 'solved':
      return { ...base, written, plan: outcome.plan.model ? { ...outcome.plan, model: modelJson(outcome.plan.model) } : outcome.plan };
    case 'no-solution':
      return { ...base, explanation: { ...outcome.explanation, text: outcome.explanation.facts.map((f) => factText(f, outcome.explanation.target)) } };
    case 'index-lacks-file':
      return { ...base, requested: outcome.requested, url: outcome.url, detail: outcome.detail };
    case 'referee-failed':
      return { ...base, outcome: outcome.outcome };
  }
}

function modelJson(m: NonNullable<Plan['model']>) {
  return { ...m, check: { ...m.check, findings: m.check.findings.map((f) => ({ ...f, message: modelFindingText(f) })) } };
}

export function indexLacksText(o: Extract<LockOutcome, { kind: 'index-lacks-file' }>): string {
  return `the plan is compatible, but the index lacks a file it needs: ${o.detail} (${o.url}); `
    + 'point pip at an index that has it (--index-url / --extra-index-url) or pin another version';
}

export function refereeFailedText(o: Extract<LockOutcome, { kind: 'referee-failed' }>): string {
  const r = o.outcome;
  if (r.kind === 'timeout') return `pip's resolver did not finish within ${r.seconds.toFixed(0)} s (${r.command.join(' ')})`;
  if (r.kind === 'index-error') return `pip could not read the index${r.url ? ` (${r.url})` : ''}: ${r.detail}`;
  if (r.kind === 'pip-error') return `pip failed: ${r.detail}`;
  return `pip's resolver failed: ${r.kind}`;
}
