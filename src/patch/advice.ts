// The non-patch fixes `fix` proposes: from check's findings (matrix rules evaluated against the
// env), the pins, installs and env settings that no catalogue patch covers.
import type { Finding } from '../diagnose/types.js';
import type { Fix } from '../matrix/types.js';
import type { PatchPlan } from './types.js';

export interface Advice {
  code: string;
  severity: Finding['severity'];
  title: string;
  /** the fixes to run (pins, env vars, export options, other routes) */
  fixes: Fix[];
  /** patch ids from the catalogue that also fix it in this env (fix --apply-patches) */
  patches: string[];
}

/**
 * Findings (errors and warnings, not already fixed by an applied patch) with their fixes. A
 * finding one of the planned patches fixes lists that patch; its other fixes stay as options.
 */
export function adviceFrom(findings: readonly Finding[], plans: readonly PatchPlan[]): Advice[] {
  const out: Advice[] = [];
  for (const f of findings) {
    if (f.severity === 'info' || f.fixedByPatch) continue;
    const patches = plans
      .filter((p) => (p.decision === 'apply' || p.decision === 'already-applied')
        && (p.spec.fixes.includes(f.code) || f.fixes.some((x) => x.kind === 'patch' && x.patch === p.id)))
      .map((p) => p.id);
    const fixes = f.fixes.filter((x) => x.kind !== 'patch');
    if (fixes.length === 0 && patches.length === 0) continue;
    out.push({ code: f.code, severity: f.severity, title: f.title, fixes, patches });
  }
  return out;
}

export function formatAdvice(advice: readonly Advice[]): string {
  if (advice.length === 0) return 'check found nothing else to fix.';
  const lines = ['Other fixes (from check):'];
  for (const a of advice) {
    lines.push(`  ${a.severity === 'error' ? 'error  ' : 'warning'} ${a.code}: ${a.title}`);
    if (a.patches.length) lines.push(`      patch: ${a.patches.join(', ')} (fix --apply-patches)`);
    for (const x of a.fixes) {
      const label = x.kind === 'pin' ? 'run' : x.kind === 'env' ? 'set' : x.kind === 'route' ? 'or' : 'use';
      lines.push(`      ${label}: ${x.command}${x.note ? `  # ${x.note}` : ''}`);
    }
  }
  return lines.join('\n');
}
