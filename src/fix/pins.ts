// Pins that work together: the `pin` fixes of check's findings, applied to a planned copy of the
// env and re-evaluated until no further pin helps. Only what the final evaluation confirms counts.
import { evaluate } from '../diagnose/evaluate.js';
import type { AppliedPatch, ExportGapPredictor, Finding } from '../diagnose/types.js';
import { normalizeName } from '../env/names.js';
import type { Distribution, EnvSnapshot } from '../env/types.js';
import { isValidSpecifier, isValidVersion, satisfies } from '../matrix/pep440.js';
import type { Fix, Matrix } from '../matrix/types.js';

/** What one `pin` fix asks for, read from its data. */
export interface PinRequest {
  /** normalised name -> exact version (`name==version`) */
  pins: Record<string, string>;
  /** distributions it uninstalls and does not reinstall */
  removals: string[];
  /** normalised name -> PEP 440 specifier (`numpy>=1.23.5,<2.0.0`): pip chooses the version */
  ranges: Record<string, string>;
}

/** Why a pin fix cannot be applied to a planned env. */
export type Unusable =
  | { reason: 'not-exact'; requirement: string }
  | { reason: 'not-pip'; segment: string }
  | { reason: 'nothing-pinned' };

export interface AppliedFix {
  /** the rule code whose fix it is */
  code: string;
  command: string;
  pins: Record<string, string>;
  removals: string[];
  ranges: Record<string, string>;
  /** the final re-evaluation no longer shows this code */
  resolved: boolean;
}

export interface Round {
  /** error / warning counts this round started from */
  before: { errors: number; warnings: number };
  applied: AppliedFix[];
}

export type RemainingReason =
  /** its fixes are patches, export options, env settings or other routes */
  | 'no-pin-fix'
  /** each pin fix contradicts a pin already chosen */
  | 'conflicts'
  /** its pin fixes name a separate venv, or no usable version or range */
  | 'not-exact'
  /** a pin fix applies but the re-evaluation still shows the finding (or a new error with it) */
  | 'pin-did-not-help';

export interface Remaining {
  finding: Finding;
  reason: RemainingReason;
  /** one line for the report */
  detail: string;
}

export interface PinProposal {
  /** normalised name -> version: every pin the applied fixes name */
  pins: Record<string, string>;
  /** normalised names to uninstall */
  removals: string[];
  /** normalised name -> specifier: requirements left to pip within a range (the planned env lists them as unpinned) */
  ranges: Record<string, string>;
  /** distributions removed because they require a removed one (pip would install it again) */
  dependentRemovals: DependentRemoval[];
  rounds: Round[];
  /** the chosen fixes, flat, in the order they were applied */
  applied: AppliedFix[];
  /** error findings the final evaluation still shows */
  remaining: Remaining[];
  /** warning findings the final evaluation still shows */
  warnings: Finding[];
  /**
   * The final re-evaluation confirms the pins: every applied fix's finding is gone and no error
   * appears that the env did not have before. What remains is listed in `remaining`.
   */
  verified: boolean;
  /** the final re-evaluation has no error at all */
  clean: boolean;
  /** the env with the pins applied, as the final evaluation saw it */
  planned: EnvSnapshot;
  /** the final evaluation's findings */
  findings: Finding[];
}

export interface DependentRemoval {
  name: string;
  /** the removed distribution it requires */
  requires: string;
  /** the rule whose fix removed that one */
  code: string;
}

export interface ProposeOptions {
  maxRounds?: number;
  /** patches already applied to the real env: findings they fix need no pin (a pin that reinstalls the patched package would undo them, which check cannot see) */
  appliedPatches?: AppliedPatch[];
}

const EXACT = /^===?\s*(\S+)$/;
const EXTRAS = /\[[^\]]*\]$/;

/**
 * What a pin fix asks for, read from its data (matrix/types.ts PinSpec): exact pins (`==X`), ranges
 * (any other specifier), removals (less what it reinstalls). A separate env, an unrendered version or
 * a bare name is unusable for the env in hand.
 */
export function pinRequest(fix: Fix): PinRequest | Unusable {
  const pin = fix.pin;
  if (!pin) return { reason: 'nothing-pinned' };
  if (pin.separateEnv) return { reason: 'not-pip', segment: fix.command };
  const pins: Record<string, string> = {};
  const ranges: Record<string, string> = {};
  const removed = new Set(pin.remove.map(normalizeName));
  for (const [rawName, spec] of Object.entries(pin.install)) {
    const name = normalizeName(rawName.replace(EXTRAS, ''));
    const exact = EXACT.exec(spec.trim());
    if (exact && isValidVersion(exact[1]!)) pins[name] = exact[1]!;
    else if (spec.trim() !== '' && !exact && isValidSpecifier(spec)) ranges[name] = spec.replace(/\s+/g, '');
    else return { reason: 'not-exact', requirement: `${rawName}${spec}` };
    removed.delete(name); // uninstall then reinstall: a pin
  }
  if (Object.keys(pins).length === 0 && Object.keys(ranges).length === 0 && removed.size === 0) return { reason: 'nothing-pinned' };
  return { pins, removals: [...removed].sort(), ranges };
}

function isRequest(r: PinRequest | Unusable): r is PinRequest {
  return 'pins' in r;
}

/** Chosen pins, ranges and removals so far. */
export interface Choice {
  pins: Map<string, string>;
  removals: Set<string>;
  ranges: Map<string, string>;
}

export function emptyChoice(): Choice {
  return { pins: new Map(), removals: new Set(), ranges: new Map() };
}

/**
 * A request contradicts the choice when it pins a name to another version (or outside a chosen
 * range), ranges a name to another range (or one a chosen pin is outside of), or removes what the
 * choice keeps, or keeps what it removes.
 */
export function contradicts(req: PinRequest, choice: Choice): boolean {
  for (const [name, version] of Object.entries(req.pins)) {
    const chosen = choice.pins.get(name);
    if (chosen !== undefined && chosen !== version) return true;
    const range = choice.ranges.get(name);
    if (range !== undefined && !satisfies(version, range)) return true;
    if (choice.removals.has(name)) return true;
  }
  for (const [name, spec] of Object.entries(req.ranges)) {
    const pinned = choice.pins.get(name);
    if (pinned !== undefined && !satisfies(pinned, spec)) return true;
    const range = choice.ranges.get(name);
    if (range !== undefined && range !== spec) return true;
    if (choice.removals.has(name)) return true;
  }
  return req.removals.some((name) => choice.pins.has(name) || choice.ranges.has(name));
}

/** A request adds nothing when every pin, range and removal is already chosen (a range a chosen pin meets included). */
function addsNothing(req: PinRequest, choice: Choice): boolean {
  return Object.entries(req.pins).every(([n, v]) => choice.pins.get(n) === v)
    && Object.entries(req.ranges).every(([n, r]) => choice.ranges.get(n) === r || (choice.pins.has(n) && satisfies(choice.pins.get(n)!, r)))
    && req.removals.every((n) => choice.removals.has(n));
}

/** A chosen pin replaces a chosen range on the same name. */
function add(choice: Choice, req: PinRequest): void {
  for (const [n, v] of Object.entries(req.pins)) {
    choice.pins.set(n, v);
    choice.ranges.delete(n);
  }
  for (const [n, r] of Object.entries(req.ranges)) if (!choice.pins.has(n)) choice.ranges.set(n, r);
  for (const n of req.removals) choice.removals.add(n);
}

/**
 * A copy of the snapshot with pins set (new distributions inserted), removals dropped, and ranged
 * names turned into unpinned requirements (version unknown until pip picks one); it is a plan now.
 */
export function applyPins(
  snapshot: EnvSnapshot, pins: Readonly<Record<string, string>>, removals: readonly string[] = [], ranges: Readonly<Record<string, string>> = {},
): EnvSnapshot {
  const distributions: Record<string, Distribution> = { ...snapshot.distributions };
  for (const name of removals) delete distributions[name];
  const ranged = Object.entries(ranges).filter(([name]) => pins[name] === undefined);
  for (const [name] of ranged) delete distributions[name];
  for (const [name, version] of Object.entries(pins)) {
    const existing = snapshot.distributions[name];
    if (existing && existing.version === version) continue;
    distributions[name] = {
      name,
      displayName: existing?.displayName ?? name,
      version,
      installer: null,
      location: null,
      metadataDir: null,
      files: [],
      importPackages: existing ? [...existing.importPackages] : [name.replace(/-/g, '_')],
      requires: [],
      requiresPython: null,
    };
  }
  const touched = new Set([...removals, ...Object.keys(pins), ...Object.keys(ranges)]);
  // a pinned or ranged requirement replaces an unpinned line for the same name
  const unpinned = (snapshot.unpinned ?? []).filter((u) => !touched.has(normalizeName(u.name)));
  for (const [name, specifier] of ranged) {
    unpinned.push({ name: snapshot.distributions[name]?.displayName ?? name, specifier, line: 0 });
  }
  return {
    ...snapshot,
    distributions,
    shadowed: snapshot.shadowed.filter((d) => !touched.has(d.name)),
    ...(snapshot.unpinned || ranged.length ? { unpinned } : {}),
    planned: true,
  };
}

interface Score { errors: number; warnings: number }

function score(findings: readonly Finding[]): Score {
  let errors = 0;
  let warnings = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
  }
  return { errors, warnings };
}

/** a strictly better than b: fewer errors, or as many errors and fewer warnings */
function better(a: Score, b: Score): boolean {
  return a.errors < b.errors || (a.errors === b.errors && a.warnings < b.warnings);
}

/**
 * Proposes pins for the env. Each round evaluates the planned env; every error or warning finding's
 * pin fixes are candidates; each candidate is tried alone and ranked by what it removes (errors
 * first, then warnings); the best ones that do not contradict the pins chosen so far are applied
 * together, then the round's result is re-evaluated. Stops when nothing is left to fix or no
 * candidate improves the env. Templated commands re-render each round, so a fix that named the
 * old version (e.g. "keep tensorflow==2.20.0") is retried with the version chosen since.
 */
export function proposePins(
  matrix: Matrix, snapshot: EnvSnapshot, predictor: ExportGapPredictor | null, opts: ProposeOptions = {},
): PinProposal {
  const maxRounds = opts.maxRounds ?? 6;
  const run = (s: EnvSnapshot) => evaluate(matrix, s, { predictExportGaps: predictor, appliedPatches: opts.appliedPatches ?? [] }).findings;
  const choice = emptyChoice();
  const sorted = (m: Map<string, string>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b, 'en')));
  const plan = () => applyPins(snapshot, sorted(choice.pins), [...choice.removals], sorted(choice.ranges));
  const rounds: Round[] = [];
  const applied: Omit<AppliedFix, 'resolved'>[] = [];
  const dependentRemovals: DependentRemoval[] = [];

  let planned = applyPins(snapshot, {});
  let findings = run(planned);
  const originalErrors = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.code));
  for (let round = 0; round < maxRounds; round++) {
    const current = score(findings);
    if (current.errors === 0 && current.warnings === 0) break;
    // candidates: each distinct parsed pin fix of an error / warning finding, in finding order
    const candidates: { code: string; command: string; req: PinRequest; gain: Score }[] = [];
    const seen = new Set<string>();
    for (const f of findings) {
      if (f.severity === 'info' || f.fixedByPatch) continue;
      for (const fix of pinFixes(f)) {
        const req = pinRequest(fix);
        if (!isRequest(req)) continue;
        const key = requestKey(req);
        if (seen.has(key) || addsNothing(req, choice) || contradicts(req, choice)) continue;
        seen.add(key);
        const after = score(run(applyPins(planned, req.pins, req.removals, req.ranges)));
        if (!better(after, current)) continue;
        candidates.push({ code: f.code, command: fix.command, req, gain: after });
      }
    }
    if (candidates.length === 0) break;
    // best first (fewest errors, then warnings, left alone); ties keep finding order
    const ranked = candidates
      .map((c, i) => ({ c, i }))
      .sort((a, b) => a.c.gain.errors - b.c.gain.errors || a.c.gain.warnings - b.c.gain.warnings || a.i - b.i)
      .map((x) => x.c);
    const thisRound: Omit<AppliedFix, 'resolved'>[] = [];
    for (const c of ranked) {
      if (contradicts(c.req, choice) || addsNothing(c.req, choice)) continue;
      // a later candidate must still help on top of the ones this round already took
      if (thisRound.length > 0) {
        const withIt = applyPins(planned, c.req.pins, c.req.removals, c.req.ranges);
        const base = score(run(planned));
        if (!better(score(run(withIt)), base)) continue;
      }
      add(choice, c.req);
      for (const d of dependents(matrix, snapshot, c.req.removals, choice)) {
        choice.removals.add(d.name);
        dependentRemovals.push({ name: d.name, requires: d.requires, code: c.code });
      }
      planned = plan();
      thisRound.push({ code: c.code, command: c.command, pins: c.req.pins, removals: c.req.removals, ranges: c.req.ranges });
    }
    if (thisRound.length === 0) break;
    findings = run(planned);
    applied.push(...thisRound);
    rounds.push({ before: current, applied: thisRound.map((a) => ({ ...a, resolved: false })) });
  }

  // only what the final evaluation confirms
  const finalCodes = new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.code));
  const resolvedApplied = applied.map((a) => ({ ...a, resolved: !finalCodes.has(a.code) }));
  for (const r of rounds) for (const a of r.applied) a.resolved = !finalCodes.has(a.code);
  const remaining = findings.filter((f) => f.severity === 'error').map((f) => explain(f, choice));
  const clean = remaining.length === 0;
  const verified = resolvedApplied.every((a) => a.resolved) && remaining.every((r) => originalErrors.has(r.finding.code));
  return {
    pins: sorted(choice.pins),
    removals: [...choice.removals].sort(),
    ranges: sorted(choice.ranges),
    dependentRemovals,
    rounds,
    applied: resolvedApplied,
    remaining,
    warnings: findings.filter((f) => f.severity === 'warning'),
    verified,
    clean,
    planned,
    findings,
  };
}

function pinFixes(f: Finding): Fix[] {
  return f.fixes.filter((x) => x.kind === 'pin');
}

function requestKey(req: PinRequest): string {
  return JSON.stringify([Object.entries(req.pins).sort(), req.removals, Object.entries(req.ranges).sort()]);
}

function explain(f: Finding, choice: Choice): Remaining {
  const pins = pinFixes(f);
  const others = [...new Set(f.fixes.filter((x) => x.kind !== 'pin').map((x) => x.kind))];
  const alternatives = others.length ? `; fixed by ${others.join(' / ')}` : '';
  if (pins.length === 0) return { finding: f, reason: 'no-pin-fix', detail: `no pin fixes it${alternatives}` };
  const parsed = pins.map((p) => ({ fix: p, req: pinRequest(p) }));
  const usable = parsed.filter((p): p is { fix: Fix; req: PinRequest } => isRequest(p.req));
  if (usable.length === 0) {
    const first = parsed[0]!.req as Unusable;
    const what = first.reason === 'not-exact' ? `names ${first.requirement}, not an exact version`
      : first.reason === 'not-pip' ? 'needs a separate env' : 'pins nothing';
    return { finding: f, reason: 'not-exact', detail: `its pin fix ${what}${alternatives}` };
  }
  const clash = usable.find((p) => contradicts(p.req, choice));
  if (clash) {
    const against = [...new Set([...Object.keys(clash.req.pins), ...Object.keys(clash.req.ranges), ...clash.req.removals])]
      .filter((n) => choice.pins.has(n) || choice.ranges.has(n) || choice.removals.has(n))
      .map((n) => (choice.pins.has(n) ? `${n}==${choice.pins.get(n)}` : choice.ranges.has(n) ? `${n}${choice.ranges.get(n)}` : `removing ${n}`));
    return { finding: f, reason: 'conflicts', detail: `its pin (${clash.fix.command}) contradicts ${against.join(', ')}${alternatives}` };
  }
  return { finding: f, reason: 'pin-did-not-help', detail: `its pin (${usable[0]!.fix.command}) does not clear it${alternatives}` };
}

const REQUIREMENT_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/**
 * Distributions left in the env that require one of `removed`: pip would install it again with them.
 * Known from their Requires-Dist (a real env) or the matrix's declared constraints (any env).
 */
export function dependents(
  matrix: Matrix, snapshot: EnvSnapshot, removed: readonly string[], choice: Choice,
): { name: string; requires: string }[] {
  const out: { name: string; requires: string }[] = [];
  const queue = [...removed];
  const gone = new Set([...choice.removals, ...removed]);
  while (queue.length) {
    const target = queue.shift()!;
    for (const d of Object.values(snapshot.distributions)) {
      if (gone.has(d.name) || choice.pins.has(d.name) || choice.ranges.has(d.name)) continue;
      const version = d.version;
      const byMetadata = d.requires.some((r) => {
        // extras-only requirements are not installed by default
        if (/;.*\bextra\s*==/.test(r)) return false;
        const m = REQUIREMENT_NAME.exec(r);
        return m !== null && normalizeName(m[1]!) === target;
      });
      const byMatrix = matrix.constraints.some((k) => !k.undeclared && normalizeName(k.package) === d.name
        && normalizeName(k.dependency) === target && satisfies(version, k.versions));
      if (!byMetadata && !byMatrix) continue;
      gone.add(d.name);
      out.push({ name: d.name, requires: target });
      queue.push(d.name);
    }
  }
  return out;
}
