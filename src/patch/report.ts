// Wording for the patch commands: the plan, the apply / revert outcome, status, and the
// before/after import table. Plain strings; colour comes from chalk (off when not a TTY).
import chalk from 'chalk';
import type { RouteVerdict } from '../diagnose/types.js';
import type { ImportOutcome } from '../env/deep-probe.js';
import type { ApplyOutcome } from './apply.js';
import type { RevertOutcome } from './revert.js';
import type { StatusReport } from './status.js';
import type { Recovery } from './txn.js';
import type { PatchPlan } from './types.js';

const DECISION_LABEL: Record<PatchPlan['decision'], string> = {
  apply: 'apply',
  'already-applied': 'already applied',
  skip: 'skip',
  blocked: 'REFUSED',
};

function colourDecision(d: PatchPlan['decision'], text: string): string {
  return d === 'apply' ? chalk.green(text) : d === 'blocked' ? chalk.red(text) : d === 'skip' ? chalk.dim(text) : chalk.cyan(text);
}

export function formatPlan(plans: readonly PatchPlan[], envDescription: string): string {
  const lines = [`Patch plan for ${envDescription}:`];
  if (plans.length === 0) lines.push('  (the catalogue has no patches)');
  const conda = [...new Set(plans.filter((p) => p.condaOwned && p.decision === 'apply').map((p) => p.spec.distribution))];
  const width = Math.max(0, ...plans.map((p) => p.id.length));
  for (const p of plans) {
    const label = DECISION_LABEL[p.decision].padEnd(15);
    const files = p.files.filter((f) => f.action === 'apply' || f.forced).length;
    const detail = p.decision === 'apply'
      ? `${p.spec.title} (${p.spec.distribution} ${p.distributionVersion}: ${files} file${files === 1 ? '' : 's'} to write${p.files.some((f) => f.forced) ? ', forced over local changes' : ''})`
      : p.decision === 'already-applied' ? p.spec.title
        : p.reason ?? '';
    lines.push(`  ${colourDecision(p.decision, label)} ${p.id.padEnd(width)}  ${detail}`);
  }
  if (conda.length) {
    lines.push(`  note: ${conda.join(', ')} ${conda.length === 1 ? 'is' : 'are'} conda packages: \`conda doctor\` will list the patched files as altered (tfdoctor never edits conda-meta)`);
  }
  return lines.join('\n');
}

export function formatRecovery(r: Recovery | null): string | null {
  if (!r) return null;
  const head = `an interrupted ${r.action === 'apply' ? 'apply' : 'revert'} of ${r.patches.join(', ') || '(no patches)'} was rolled back first`
    + ` (${r.restored.length} file${r.restored.length === 1 ? '' : 's'} restored)`;
  return r.leftAsIs.length ? `${head}; left as is, changed by something else: ${r.leftAsIs.join(', ')}` : head;
}

export function formatApplyOutcome(o: ApplyOutcome): string {
  const applied = o.plans.filter((p) => p.decision === 'apply').map((p) => p.id);
  const lines: string[] = [];
  const rec = formatRecovery(o.recovered);
  if (rec) lines.push(rec);
  lines.push(applied.length
    ? chalk.green(`applied ${applied.join(', ')} (${o.written} file${o.written === 1 ? '' : 's'} written; backups and journal in ${o.stateDir})`)
    : 'nothing to do: every relevant patch is already applied');
  if (applied.length) lines.push('undo with: tfdoctor patch revert --all (same env flags)');
  return lines.join('\n');
}

export function formatRevertOutcome(o: RevertOutcome): string {
  const lines: string[] = [];
  const rec = formatRecovery(o.recovered);
  if (rec) lines.push(rec);
  if (o.reverted.length) lines.push(chalk.green(`reverted ${o.reverted.join(', ')} (${o.written} file${o.written === 1 ? '' : 's'} restored to the original bytes)`));
  if (o.notApplied.length) lines.push(`not applied by tfdoctor, nothing to revert: ${o.notApplied.join(', ')}`);
  if (!o.reverted.length && !o.notApplied.length) lines.push('nothing to revert: tfdoctor has no applied patches in this env');
  return lines.join('\n');
}

const STATE_TEXT: Record<string, string> = {
  applied: 'applied',
  'not-applied': 'not applied',
  'reverted-by-reinstall': 'REVERTED BY A REINSTALL',
  drifted: 'DRIFTED',
  modified: 'MODIFIED',
  'not-relevant': 'not relevant',
};

export function formatStatus(report: StatusReport, envDescription: string): string {
  const lines = [`Patches in ${envDescription}:`];
  if (report.interrupted) {
    lines.push(chalk.yellow(`  an interrupted ${report.interrupted.action} of ${report.interrupted.patches.join(', ')} is pending: the next fix --apply-patches or patch revert rolls it back first`));
  }
  const width = Math.max(0, ...report.patches.map((p) => p.id.length));
  for (const p of report.patches) {
    const text = STATE_TEXT[p.state]!.padEnd(23);
    const colour = p.state === 'applied' ? chalk.green : p.state === 'not-applied' || p.state === 'not-relevant' ? chalk.dim : chalk.yellow;
    let detail = p.state === 'not-relevant' ? p.reason ?? '' : `${p.title} (${p.distribution} ${p.installed ?? 'not installed'})`;
    if (p.state === 'reverted-by-reinstall') detail += `; tfdoctor applied it, the files are original again: run fix --apply-patches to re-apply`;
    if (p.state === 'drifted' || p.state === 'modified') {
      const odd = p.files.filter((f) => f.state === 'other' || f.state === 'missing').map((f) => `${f.path} (${f.state === 'missing' ? 'missing' : 'unknown content'})`);
      const mixed = p.files.filter((f) => f.state !== 'other' && f.state !== 'missing').map((f) => `${f.path}: ${f.state}`);
      detail += `; ${[...odd, ...mixed].join(', ')}`;
    }
    if (p.state === 'applied' && !p.recorded) detail += ' (not by tfdoctor: no backup to revert from)';
    lines.push(`  ${colour(text)} ${p.id.padEnd(width)}  ${detail}`);
  }
  if (report.patches.length === 0) lines.push('  (the catalogue has no patches)');
  return lines.join('\n');
}

function outcomeText(o: ImportOutcome | undefined): string {
  if (!o) return '-';
  if (o.ok) return `ok${o.version ? ` ${o.version}` : ''}`;
  const e = o.error;
  const text = e ? `${e.type}: ${e.message}` : 'failed';
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

export function formatImportTable(before: Record<string, ImportOutcome>, after: Record<string, ImportOutcome>): string {
  const modules = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const w = Math.max(6, ...modules.map((m) => m.length));
  const cw = Math.max(6, ...modules.map((m) => outcomeText(before[m]).length));
  const lines = [`${'import'.padEnd(w)}  ${'before'.padEnd(cw)}  after`];
  for (const m of modules) {
    const b = outcomeText(before[m]);
    const a = outcomeText(after[m]);
    const changed = before[m]?.ok !== after[m]?.ok;
    const aText = after[m]?.ok ? chalk.green(a) : chalk.red(a);
    lines.push(`${m.padEnd(w)}  ${b.padEnd(cw)}  ${changed ? chalk.bold(aText) : aText}`);
  }
  return lines.join('\n');
}

/** The plan as JSON: no file contents, just decisions and hashes. */
export function planToJson(plans: readonly PatchPlan[]) {
  return plans.map((p) => ({
    id: p.id,
    title: p.spec.title,
    distribution: p.spec.distribution,
    versions: p.spec.versions,
    installed: p.distributionVersion ?? null,
    decision: p.decision,
    ...(p.reason ? { reason: p.reason } : {}),
    fixes: p.spec.fixes,
    files: p.files.map((f) => ({
      path: f.path, action: f.action, current_sha256: f.currentSha256,
      original_sha256: f.expectedOriginal, patched_sha256: f.expectedPatched, ...(f.forced ? { forced: true } : {}),
    })),
  }));
}

function verdictText(v: RouteVerdict | undefined): string {
  if (!v) return '-';
  if (v.viable) return 'viable';
  const text = `blocked: ${v.blockers.join(', ')}`;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** check's route verdicts before and after patching (each with the deep probe of its moment). */
export function formatRouteTable(before: readonly RouteVerdict[], after: readonly RouteVerdict[]): string {
  const ids = [...new Set([...before.map((r) => r.id), ...after.map((r) => r.id)])];
  const w = Math.max(5, ...ids.map((id) => id.length));
  const cw = Math.max(6, ...ids.map((id) => verdictText(before.find((r) => r.id === id)).length));
  const lines = [`${'route'.padEnd(w)}  ${'before'.padEnd(cw)}  after`];
  for (const id of ids) {
    const b = before.find((r) => r.id === id);
    const a = after.find((r) => r.id === id);
    const aText = a?.viable ? chalk.green(verdictText(a)) : chalk.red(verdictText(a));
    lines.push(`${id.padEnd(w)}  ${verdictText(b).padEnd(cw)}  ${b?.viable !== a?.viable ? chalk.bold(aText) : aText}`);
  }
  return lines.join('\n');
}
