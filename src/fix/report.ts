// The pin proposal for people (fix's text output) and for machines (--json).
import type { PinProposal } from './pins.js';

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
    const install = changed.map((r) => `"${r}"`).join(' ');
    if (p.removals.length) lines.push(`  run: pip uninstall -y ${p.removals.join(' ')}${install ? ` && pip install ${install}` : ''}`);
    else if (install) lines.push(`  run: pip install ${install}`);
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
