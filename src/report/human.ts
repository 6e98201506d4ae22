// The human report: routes first, then findings by severity with evidence and exact fixes,
// then (loudly) any disagreement between prediction and a real import. Colour via the chalk
// instance passed in (level 0 when not on a TTY or NO_COLOR).
import type { ChalkInstance } from 'chalk';
import type { EnvSnapshot } from '../env/types.js';
import { countBySeverity } from '../diagnose/evaluate.js';
import type { Diagnosis, Finding } from '../diagnose/types.js';
import type { Severity } from '../matrix/types.js';
import type { ModelCheck } from '../model/index.js';
import { renderModelCheck } from './model.js';

export interface HumanOptions {
  verbose: boolean;
  color: ChalkInstance;
  /** check --model */
  model?: ModelCheck;
}

const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Info' };

export function renderHuman(d: Diagnosis, snap: EnvSnapshot, opts: HumanOptions): string {
  const c = opts.color;
  const mark: Record<Severity, string> = { error: c.red('✗'), warning: c.yellow('!'), info: c.blue('i') };
  const out: string[] = [];
  const where = snap.planned ? `planned env from ${snap.source}` : `${snap.kind} ${snap.prefix ?? snap.source}`;
  out.push(`${c.bold('tfdoctor check')}: ${where} (Python ${snap.python.version}, ${snap.platform.system} ${snap.platform.machine}), `
    + `${Object.keys(snap.distributions).length} distributions`);
  if (snap.unpinned && snap.unpinned.length > 0) {
    out.push(c.yellow(`  not pinned, so not judged: ${snap.unpinned.map((u) => `${u.name}${u.specifier} (line ${u.line})`).join(', ')}`));
  }
  out.push('', c.bold('Routes'));
  const width = Math.max(...d.routes.map((r) => r.title.length));
  for (const r of d.routes) {
    const verdict = r.viable ? c.green('viable') : `${c.red('blocked')} by ${r.blockers.join(', ')}`;
    out.push(`  ${r.viable ? c.green('✓') : c.red('✗')} ${r.title.padEnd(width)}  ${verdict}`);
    if (r.note) out.push(`    ${c.dim(r.note)}`);
  }

  if (d.disagreements.length > 0) {
    out.push('', c.bgRed.white.bold(` ${d.disagreements.length} DISAGREEMENT(S) between the matrix and real imports: the matrix is wrong here `));
    for (const g of d.disagreements) {
      out.push(`  ${c.red('‼')} ${g.kind}${g.code ? ` [${g.code}]` : ''} ${g.module}`);
      if (g.expected) out.push(`      expected: ${g.expected}`);
      out.push(`      observed: ${g.actual}`);
    }
  }

  if (opts.model) out.push('', ...renderModelCheck(opts.model, c, opts.verbose));

  const hiddenInfo: Finding[] = [];
  for (const sev of ['error', 'warning', 'info'] as const) {
    const list = d.findings.filter((f) => f.severity === sev);
    if (list.length === 0) continue;
    if (sev === 'info' && !opts.verbose) {
      hiddenInfo.push(...list);
      continue;
    }
    out.push('', c.bold(`${HEADINGS[sev]} (${list.length})`));
    for (const f of list) out.push(...renderFinding(f, mark[sev], opts));
  }
  if (hiddenInfo.length > 0) {
    out.push('', c.dim(`${hiddenInfo.length} info finding(s) (${hiddenInfo.map((f) => f.code).join(', ')}); -v shows them`));
  }

  const n = countBySeverity(d.findings);
  const viable = d.routes.filter((r) => r.viable).length;
  out.push('', `${n.error} error(s), ${n.warning} warning(s), ${n.info} info; ${viable} of ${d.routes.length} routes viable`
    + (d.imports ? `; deep probe: ${Object.keys(d.imports).length} imports, ${d.disagreements.length} disagreement(s)` : ''));
  return out.join('\n') + '\n';
}

function renderFinding(f: Finding, mark: string, opts: HumanOptions): string[] {
  const c = opts.color;
  const lines = [`  ${mark} ${c.bold(f.code)}  ${f.title}`];
  lines.push(...wrap(f.message, 6));
  const pkgs = f.packages.map((p) => `${p.name} ${p.version ?? '(not installed)'}`).join(', ');
  if (pkgs) lines.push(`      ${c.dim('packages:')} ${pkgs}`);
  for (const e of f.evidence) {
    lines.push(`      ${c.dim('evidence:')} [${e.kind}] ${e.ref}${opts.verbose ? ` — ${e.note}` : ''}`);
  }
  lines.push(`      ${c.dim('proof:')} ${f.provenBy ?? 'unproven (no real-env test yet)'}`);
  if (f.observed) {
    const colour = f.observed === 'confirmed' ? c.green : f.observed === 'refuted' ? c.red : c.dim;
    lines.push(`      ${c.dim('deep probe:')} ${colour(f.observed)}${f.observation ? ` — ${f.observation}` : ''}`);
  }
  for (const fix of f.fixes) {
    const label = fix.kind === 'patch' ? `patch ${fix.patch}` : fix.kind === 'route' ? `route ${fix.route}` : fix.kind;
    lines.push(`      ${c.cyan('fix')} (${label}): ${c.bold(fix.command)}`);
    if (fix.note) lines.push(`          ${c.dim(fix.note)}`);
  }
  return lines;
}

function wrap(text: string, indent: number, width = 100): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width - indent) {
      lines.push(' '.repeat(indent) + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(' '.repeat(indent) + cur);
  return lines;
}
