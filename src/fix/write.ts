// The proposed pins as files: a pinned requirements.txt, a constraints.txt (pip install -c) and a
// conda environment.yml. Rendering is pure; writing is atomic (src/util/atomic-write.ts).
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { yaml } from '../util/parsed-cache.js';
import type { EnvSnapshot } from '../env/types.js';
import { normalizeName } from '../env/names.js';
import type { Matrix } from '../matrix/types.js';
import { writeAtomic } from '../util/atomic-write.js';
import { UserError } from '../util/errors.js';
import type { PinProposal } from './pins.js';
import type { FixPlan } from './plans.js';
import { renderLock, type LockFormat } from '../lock/write.js';
import { pinLines } from '../report/pin-command.js';

export interface PinnedLine {
  /** normalised name */
  name: string;
  /** `name==version`, or `name<spec>` for a planned env's unpinned line */
  requirement: string;
  /** the rule codes whose pin fixes chose this version; [] when it is kept as it was */
  via: string[];
  /** where a kept line came from: "installed", "as in req.txt", "unpinned in req.txt" */
  origin: string;
}

/** Distributions the matrix knows about: families, constraints, Python support. */
export function trackedNames(matrix: Matrix): Set<string> {
  const out = new Set<string>();
  for (const f of matrix.families) for (const d of f.distributions) out.add(normalizeName(d));
  for (const k of matrix.constraints) {
    out.add(normalizeName(k.package));
    out.add(normalizeName(k.dependency));
  }
  for (const s of matrix.pythonSupport) out.add(normalizeName(s.package));
  return out;
}

/**
 * Every distribution of the planned env that the matrix tracks or a pin touched, pinned, sorted by
 * name; a planned env's unpinned lines stay as written (unless a pin replaced them).
 */
export function pinnedLines(matrix: Matrix, original: EnvSnapshot, proposal: PinProposal): PinnedLine[] {
  const tracked = trackedNames(matrix);
  const via = new Map<string, string[]>();
  for (const a of proposal.applied) {
    for (const n of [...Object.keys(a.pins), ...Object.keys(a.ranges)]) {
      const codes = via.get(n) ?? [];
      if (!codes.includes(a.code)) codes.push(a.code);
      via.set(n, codes);
    }
  }
  const origin = original.planned ? `as in ${basename(original.source)}` : 'installed';
  const lines: PinnedLine[] = [];
  for (const d of Object.values(proposal.planned.distributions)) {
    if (!tracked.has(d.name) && !via.has(d.name)) continue;
    const codes = via.get(d.name);
    lines.push({ name: d.name, requirement: `${d.displayName}==${d.version}`, via: codes ?? [], origin });
  }
  for (const u of proposal.planned.unpinned ?? []) {
    const name = normalizeName(u.name);
    lines.push({ name, requirement: `${u.name}${u.specifier}`, via: via.get(name) ?? [], origin: `unpinned in ${basename(original.source)}` });
  }
  return lines.sort((a, b) => a.name.localeCompare(b.name, 'en') || a.requirement.localeCompare(b.requirement, 'en'));
}

export interface RenderContext {
  /** the tfdoctor command line that produced the file */
  command: string;
}

function header(kind: string, original: EnvSnapshot, proposal: PinProposal, ctx: RenderContext): string[] {
  const lines = [
    `# ${kind} proposed by tfdoctor for ${original.source} (Python ${majorMinor(original.python.version)}, ${original.platform.system}-${original.platform.machine})`,
    `#    ${ctx.command}`,
    `# ${proposal.verified ? 'verified: check re-evaluated these pins' : 'NOT verified: check still finds errors these pins should fix'}`
      + (proposal.remaining.length ? `; ${proposal.remaining.length} error(s) remain that pins do not fix: ${proposal.remaining.map((r) => r.finding.code).join(', ')}` : '; no errors remain'),
  ];
  // a warning left (e.g. a minor-version mismatch pip check reports) may make pip refuse the file
  if (proposal.warnings.length) lines.push(`# warnings left: ${[...new Set(proposal.warnings.map((w) => w.code))].join(', ')} (see tfdoctor check)`);
  const removed = [...proposal.removals];
  if (removed.length) {
    const why = new Map<string, string>();
    for (const a of proposal.applied) for (const n of a.removals) why.set(n, a.code);
    for (const d of proposal.dependentRemovals) why.set(d.name, `requires ${d.requires}`);
    lines.push(`# removed: ${removed.map((n) => `${n} (${why.get(n) ?? 'tfdoctor'})`).join(', ')}; uninstall first: pip uninstall -y ${removed.join(' ')}`);
    // a planned env has no Requires-Dist: a kept package may still depend on a removed one
    if (original.planned) lines.push('# a kept package that requires a removed one brings it back: check with pip install --dry-run -r');
  }
  return lines;
}

/** requirements.txt with uv-style `# via` annotations. */
export function renderRequirements(matrix: Matrix, original: EnvSnapshot, proposal: PinProposal, ctx: RenderContext): string {
  const out = header('requirements', original, proposal, ctx);
  for (const line of pinnedLines(matrix, original, proposal)) {
    out.push(line.requirement);
    if (line.via.length === 0) out.push(`    # ${line.origin}`);
    else if (line.via.length === 1) out.push(`    # via tfdoctor: ${line.via[0]}`);
    else out.push('    # via', ...line.via.map((c) => `    #   tfdoctor: ${c}`));
  }
  return `${out.join('\n')}\n`;
}

/** constraints.txt for `pip install -c`: the same lines (pip takes versions and ranges as constraints). */
export function renderConstraints(matrix: Matrix, original: EnvSnapshot, proposal: PinProposal, ctx: RenderContext): string {
  const out = header('constraints (pip install -c)', original, proposal, ctx);
  for (const line of pinnedLines(matrix, original, proposal)) {
    out.push(`${line.requirement}  # ${line.via.length ? `via ${line.via.map((c) => `tfdoctor: ${c}`).join(', ')}` : line.origin}`);
  }
  return `${out.join('\n')}\n`;
}

/** A conda environment.yml: Python from conda-forge, the pins through pip. */
export function renderCondaEnv(matrix: Matrix, original: EnvSnapshot, proposal: PinProposal, ctx: RenderContext & { name: string }): string {
  const doc = {
    name: ctx.name,
    channels: ['conda-forge'],
    dependencies: [
      `python=${majorMinor(original.python.version)}`,
      'pip',
      { pip: pinnedLines(matrix, original, proposal).map((l) => l.requirement) },
    ],
  };
  return `${header('conda environment', original, proposal, ctx).join('\n')}\n${yaml().stringify(doc)}`;
}

function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** Refuses an output path that is a folder or lies in a missing folder (checked before any work). */
export async function checkWritable(file: string): Promise<import('node:fs').Stats | null> {
  const target = resolve(file);
  const dir = dirname(target);
  const st = await stat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new UserError(`cannot write ${file}: ${err.code ?? err.message}`);
  });
  if (st?.isDirectory()) throw new UserError(`cannot write ${file}: it is a folder`, 'name a file, e.g. requirements.lock.txt');
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new UserError(`cannot write ${file}: folder ${dir} does not exist`);
  return st;
}

/**
 * Writes `text` to `file` atomically: a temp file next to it, flushed, then renamed over it, so a
 * reader sees the old file or the whole new one. An existing file is replaced (the user named it);
 * a folder or a missing parent folder is refused. Returns whether the content changed.
 */
export async function writeFileAtomic(file: string, text: string): Promise<'written' | 'unchanged'> {
  const target = resolve(file);
  const st = await checkWritable(file);
  if (st?.isFile()) {
    if ((await readFile(target, 'utf8').catch(() => null)) === text) return 'unchanged';
  }
  try {
    // an existing file keeps its permission bits
    await writeAtomic(target, text, st ? { mode: st.mode & 0o777 } : {});
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`cannot write ${file}: ${e.code ?? e.message}`);
  }
  return 'written';
}

/**
 * A fix plan as a file: pip's whole closure (as `lock` writes it), headed by what the plan changes, what to
 * uninstall first and the patches to apply after install.
 */
export function renderPlanFile(plan: FixPlan, index: number, format: LockFormat, ctx: RenderContext & { name: string }): string {
  const body = renderLock(plan.lock, format, { reproduce: ctx.command, name: ctx.name }).split('\n');
  const what = plan.changes.length ? plan.changes.map((c) => `${c.name} ${c.from ?? '(new)'} -> ${c.to ?? 'uninstalled'}`).join(', ') : 'no version changes';
  const head = [`# tfdoctor fix: plan ${index} for ${plan.route ? `the ${plan.route} route` : 'the env'} (${plan.kind === 'patches' ? 'keep the stack, apply patches' : 'pins alone'}): ${what}`];
  if (plan.removals.length) head.push(`# uninstall first: ${pinLines({}, plan.removals).join(' && ')}`);
  return [...head, ...body.slice(1)].join('\n');
}
