// Fills a rule's message / fix text: {key} from the condition's binding, {version:dist},
// {pin:dist} (the matrix constraint's suggested version for the installed dependency), {python}.
import { compareVersions, majorMinor, satisfies } from '../matrix/pep440.js';
import type { Binding } from './conditions.js';
import type { Facts } from './facts.js';

const PLACEHOLDER = /\{([a-z_]+)(?::([a-z0-9-]+))?\}/g;

export function render(template: string, binding: Binding, facts: Facts): string {
  return template.replace(PLACEHOLDER, (whole, key: string, arg: string | undefined) => {
    if (arg !== undefined) {
      if (key === 'version') return facts.version(arg) ?? 'not installed';
      if (key === 'pin') return suggestPin(arg, facts) ?? 'a matching version';
      return whole;
    }
    if (key === 'python') return facts.snapshot.python.version;
    if (key === 'python_minor') return majorMinor(facts.snapshot.python.version) ?? facts.snapshot.python.version;
    return binding[key] ?? whole;
  });
}

/** Placeholders a template uses that neither the binding nor the built-ins fill (for tests and matrix checks). */
export function unfilled(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[0]);
}

/**
 * The highest `pin` among constraints on `pkg` whose dependency requirement the installed
 * dependency meets: e.g. tensorflow-probability for tensorflow 2.15 -> 0.23.0.
 */
export function suggestPin(pkg: string, facts: Facts): string | null {
  let best: string | null = null;
  for (const k of facts.matrix.constraints) {
    if (k.package !== pkg || !k.pin) continue;
    const dep = facts.version(k.dependency);
    if (!dep || !satisfies(dep, k.requires)) continue;
    if (best === null || compareVersions(k.pin, best) > 0) best = k.pin;
  }
  return best;
}
