// A plan as files: requirements (every line name==version, annotated `# via` like `uv pip compile`),
// constraints (the same pins for `pip install -c`), or a conda environment.yml with the pins under pip:.
// The header says how to reproduce the plan and which steps pins cannot express.
import type { Plan } from './plan.js';

export type LockFormat = 'requirements' | 'constraints' | 'conda';
export const LOCK_FORMATS: readonly LockFormat[] = ['requirements', 'constraints', 'conda'];

export interface LockFileContext {
  /** the tfdoctor command line that reproduces the plan */
  reproduce: string;
  /** conda env name */
  name?: string;
}

function header(plan: Plan, ctx: LockFileContext): string[] {
  const lines = [
    `# tfdoctor lock: route ${plan.route}, Python ${plan.target.python}, ${plan.target.platform.system}-${plan.target.platform.machine}`,
    `# reproduce: ${ctx.reproduce}`,
    `# refereed by pip ${plan.referee.pipVersion} (${plan.rounds} round${plan.rounds === 1 ? '' : 's'}): ${plan.requested.join(' ')}`,
  ];
  for (const c of plan.constraints) lines.push(`# constraint from ${c.rule}: ${c.requirement}`);
  if (plan.model) lines.push(`# model: ${plan.model.check.model.path} (ai.onnx opset ${plan.model.check.model.opset ?? 'none'})${plan.model.blocked ? ': the route cannot take it' : ''}`);
  for (const s of plan.steps) {
    if (s.kind === 'patch') lines.push(`# after install: tfdoctor fix --apply-patches --only ${s.text}${s.clears.length ? `   (clears ${s.clears.join(', ')})` : ''}`);
    else if (s.kind === 'export') lines.push(`# export with: ${s.text}`);
    else lines.push(`# convert with: ${s.text}`);
  }
  return lines;
}

function pinLine(p: Plan['closure'][number]): string {
  return `${p.name}==${p.version}`;
}

function via(p: Plan['closure'][number]): string[] {
  const from = [...p.via].sort();
  if (p.requested) from.unshift('-r (requested)');
  return from;
}

export function renderLock(plan: Plan, format: LockFormat, ctx: LockFileContext): string {
  const head = header(plan, ctx);
  if (format === 'conda') {
    const py = plan.target.python.split('.').slice(0, 2).join('.');
    return [...head, `name: ${ctx.name ?? `tfdoctor-${plan.route}`}`, 'channels:', '  - conda-forge', 'dependencies:',
      `  - python=${py}`, '  - pip', '  - pip:', ...plan.closure.map((p) => `      - ${pinLine(p)}`), ''].join('\n');
  }
  const body: string[] = [];
  for (const p of plan.closure) {
    body.push(pinLine(p));
    if (format === 'requirements') {
      const v = via(p);
      if (v.length === 1) body.push(`    # via ${v[0]}`);
      else if (v.length > 1) body.push('    # via', ...v.map((x) => `    #   ${x}`));
    }
  }
  return [...head, ...body, ''].join('\n');
}
