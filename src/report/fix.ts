// fix's pins for people (text) and for machines (--json): the plans the lock solver proposes and pip
// referees, or the matrix-only proposal (--no-index). pip lines come from the one formatter.
import type { FixPlan, FixPlans } from '../fix/plans.js';
import type { PinProposal } from '../fix/pins.js';
import { factText, renderExplanation } from './lock.js';
import { pinLines } from './pin-command.js';
import type { ChalkInstance } from 'chalk';
import type { FixProgress, FixReport, FixSection, PinsOutcome } from '../fix/run.js';
import { formatApplyOutcome, formatImportTable, formatPlan, formatRouteTable, planToJson } from '../patch/report.js';
import { formatAdvice } from '../patch/advice.js';

export function formatPins(p: PinProposal): string {
  const lines: string[] = [];
  const changed = [...Object.entries(p.pins).map(([n, v]) => `${n}==${v}`), ...Object.entries(p.ranges).map(([n, r]) => `${n}${r}`)];
  if (changed.length === 0 && p.removals.length === 0) {
    lines.push('Pins: none apply' + (p.remaining.length ? ' (the errors below need other fixes)' : ''));
  } else {
    lines.push(`Pins (${p.verified ? 'verified: check re-evaluated the env with them' : 'NOT verified: the re-evaluation still shows errors they should fix'}):`);
    for (const a of p.applied) {
      const what = [...Object.entries(a.pins).map(([n, v]) => `${n}==${v}`), ...Object.entries(a.ranges).map(([n, r]) => `${n}${r}`), ...a.removals.map((n) => `remove ${n}`)];
      lines.push(`  ${a.resolved ? 'fixes  ' : 'FAILED '} ${a.code}: ${what.join(' ')}`);
    }
    for (const d of p.dependentRemovals) lines.push(`  remove  ${d.name}: it requires ${d.requires}, removed by ${d.code}`);
    const specs = { ...Object.fromEntries(Object.entries(p.pins).map(([n, v]) => [n, `==${v}`])), ...p.ranges };
    lines.push(`  run: ${pinLines(specs, p.removals).join(' && ')}`);
  }
  if (p.remaining.length) {
    lines.push('Errors pins do not fix:');
    for (const r of p.remaining) lines.push(`  ${r.finding.code}: ${r.detail}`);
  }
  if (p.warnings.length) {
    lines.push(`Warnings left: ${p.warnings.map((w) => w.code).join(', ')}`);
  }
  return lines.join('\n');
}

export function pinsToJson(p: PinProposal): Record<string, unknown> {
  return {
    pins: p.pins,
    removals: p.removals,
    ranges: p.ranges,
    dependentRemovals: p.dependentRemovals,
    verified: p.verified,
    clean: p.clean,
    rounds: p.rounds,
    remaining: p.remaining.map((r) => ({ code: r.finding.code, title: r.finding.title, reason: r.reason, detail: r.detail })),
    warnings: p.warnings.map((w) => ({ code: w.code, title: w.title })),
  };
}

export const FIX_PLANS_SCHEMA = 1;

function planTitle(p: FixPlan): string {
  const route = p.route ? `the ${p.route} route` : 'the env';
  return p.kind === 'patches' && p.steps.some((s) => s.kind === 'patch')
    ? `keep the stack, apply ${p.steps.filter((s) => s.kind === 'patch').length} patch(es): ${route} works`
    : `pins alone: ${route} works as pip installs it`;
}

/** The plans, each with its changes, pip lines, steps and pip's verdict; for a route with none, why and what solves. */
export function formatFixPlans(plans: FixPlans, c: ChalkInstance, written: Record<string, string> = {}): string {
  const out: string[] = [];
  if (plans.planned.length === 0) return 'Pins: nothing to fix (no conversion route installed, no error)';
  const py = `Python ${plans.target.python} on ${plans.target.platform.system}-${plans.target.platform.machine}`;
  if (plans.plans.length) out.push(c.bold(`Plans (the lock solver, fewest changes to what is installed; each refereed by pip's resolver for ${py}):`));
  plans.plans.forEach((p, i) => {
    out.push(`  ${i + 1}. ${planTitle(p)}`);
    const specs = Object.fromEntries(p.changes.filter((x) => x.to !== null).map((x) => [x.name, `==${x.to}`]));
    if (p.changes.length === 0) out.push('     no version changes');
    for (const x of p.changes) out.push(`     ${x.name}: ${x.from ?? 'not installed'} -> ${x.to ?? 'uninstall'}`);
    const run = pinLines(specs, p.removals);
    if (run.length) out.push(`     run: ${run.join(' && ')}`);
    for (const s of p.steps) {
      if (s.kind === 'patch') out.push(`     then: tfdoctor fix --apply-patches --only ${s.text}${s.clears.length ? c.dim(`  (clears ${s.clears.join(', ')})`) : ''}`);
      else if (s.kind === 'export') out.push(`     export with: ${s.text}`);
    }
    for (const k of p.lock.constraints) out.push(`     constraint: ${k.requirement}  ${c.dim(`(from ${k.rule})`)}`);
    out.push(c.dim(`     pip ${p.lock.referee.pipVersion} resolved ${p.lock.requested.length} requirement lines to ${p.lock.closure.length} packages in ${p.lock.rounds} round${p.lock.rounds === 1 ? '' : 's'}`));
  });
  for (const n of plans.none) {
    const route = n.route ? `the ${n.route} route` : 'this env';
    out.push(c.bold(`No pin can make ${route} work on ${py}${plans.plans.length ? ` ${n.kind === 'pins' ? 'without patches' : 'even with patches'}` : ''}:`));
    out.push(...renderExplanation(n.explanation, c).trimEnd().split('\n').slice(2).map((l) => `  ${l}`));
  }
  for (const t of plans.trouble) out.push(c.yellow(`  ${t.route ?? 'env'} (${t.kind}): no refereed plan: ${t.detail}`));
  for (const [file, outcome] of Object.entries(written)) out.push(`${outcome === 'written' ? 'Wrote' : 'Unchanged'} ${file} (plan 1: ${plans.plans[0] ? planTitle(plans.plans[0]) : 'none'})`);
  return out.join('\n');
}

export function fixPlansToJson(plans: FixPlans): Record<string, unknown> {
  return {
    schema: FIX_PLANS_SCHEMA,
    target: plans.target,
    routes: plans.routes,
    planned: plans.planned,
    plans: plans.plans.map((p) => ({
      route: p.route, kind: p.kind, changes: p.changes, removals: p.removals, steps: p.steps,
      requested: p.lock.requested, constraints: p.lock.constraints, rounds: p.lock.rounds, referee: p.lock.referee,
      closure: p.lock.closure.map((x) => ({ name: x.name, version: x.version })),
      warnings: p.lock.warnings.map((w) => ({ code: w.code, title: w.title })),
    })),
    none: plans.none.map((n) => ({ route: n.route, kind: n.kind, explanation: { ...n.explanation, text: n.explanation.facts.map((f) => factText(f, n.explanation.target)) } })),
    trouble: plans.trouble,
  };
}

/** One section of fix's run, as the lines printed for it; `applyFlags` echoes the env flags in the hint to apply. */
export function formatFixSection(s: FixSection, c: ChalkInstance, applyFlags: string): string {
  switch (s.kind) {
    case 'header': return `tfdoctor fix: ${s.description}`;
    case 'patch-plan': return formatPlan(s.plans, s.description);
    case 'advice': return `\n${formatAdvice(s.advice)}`;
    case 'pins': return `\n${formatPins(s.proposal)}`;
    case 'plans': return `\n${formatFixPlans(s.plans, c)}`;
    case 'apply-hint': return `\nto apply: tfdoctor fix --apply-patches --yes${applyFlags}`;
    case 'nothing-to-do': return 'nothing to do: every relevant patch is already applied';
    case 'declined': return 'nothing changed';
    case 'applied': return formatApplyOutcome(s.outcome);
    case 'imports': return `\n${formatImportTable(s.before, s.after)}`;
    case 'routes': return `\n${formatRouteTable(s.before, s.after)}`;
  }
}

/** fix's progress line (stderr). */
export function formatFixProgress(p: FixProgress): string {
  switch (p.kind) {
    case 'matrix-unusable': return `note: the compatibility matrix could not be used (${p.reason}); showing the patch plan only`;
    case 'probe-before': return `probing imports before patching: ${p.modules.join(', ')}`;
    case 'probe-after': return 'probing imports after patching';
    case 'file': return `${p.outcome === 'written' ? 'wrote' : 'unchanged'} ${p.file}`;
    case 'solver': return `tfdoctor fix: ${p.message}`;
  }
}

/** The question asked before the env changes. */
export function fixConfirmQuestion(pending: number, description: string): string {
  const what = pending ? `apply ${pending} patch${pending === 1 ? '' : 'es'} to` : 'roll back the interrupted run in';
  return `${what} ${description}? [y/N] `;
}

function pinsDocument(p: PinsOutcome | null): Record<string, unknown> {
  if (!p) return {};
  return p.kind === 'plans' ? { plans: fixPlansToJson(p.plans), pinFiles: p.written } : { pins: pinsToJson(p.proposal), pinFiles: p.written };
}

/** fix's --json document; null when there is none (the user declined). */
export function fixReportToJson(r: FixReport): Record<string, unknown> | null {
  switch (r.kind) {
    case 'planned': return { env: r.description, advice: r.advice, ...pinsDocument(r.pins) };
    case 'dry-run': return { env: r.description, dryRun: true, plan: planToJson(r.plans), advice: r.advice, ...pinsDocument(r.pins) };
    case 'nothing-to-do': return { env: r.description, plan: planToJson(r.plans), advice: r.advice, applied: [], written: 0, ...pinsDocument(r.pins) };
    case 'declined': return null;
    case 'applied': return {
      env: r.description,
      plan: planToJson(r.outcome.plans),
      advice: r.advice,
      applied: r.outcome.plans.filter((p) => p.decision === 'apply').map((p) => p.id),
      written: r.outcome.written,
      stateDir: r.outcome.stateDir,
      recovered: r.outcome.recovered,
      ...(r.imports ? { imports: r.imports } : {}),
      ...(r.routes ? { routes: r.routes } : {}),
      ...pinsDocument(r.pins),
    };
  }
}
