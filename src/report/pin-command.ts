// The one formatter of pin fixes: every pip line / venv command tfdoctor shows or writes for a pin fix
// is written here from its data (matrix/types.ts PinSpec), never typed into the matrix as text.
import type { PinSpec } from '../matrix/types.js';

/** `name<specifier>` as pip takes it on a command line (quoted: specifiers hold < and >). */
export function requirementArg(name: string, specifier: string): string {
  return `"${name}${specifier}"`;
}

/** The shell command a pin fix stands for: uninstall, then install (reinstalling what was removed), or a new venv. */
export function pinCommand(pin: PinSpec): string {
  const args = Object.entries(pin.install).map(([name, spec]) => requirementArg(name, spec));
  if (pin.separateEnv) {
    const { python, dir } = pin.separateEnv;
    const make = `python${python || '3'} -m venv ${dir}`;
    return args.length ? `${make} && ${dir}/bin/pip install ${args.join(' ')}` : `${make} && . ${dir}/bin/activate`;
  }
  const parts: string[] = [];
  if (pin.remove.length) parts.push(`pip uninstall -y ${pin.remove.join(' ')}`);
  // after an uninstall of files another distribution shares, pip must rewrite them even at the same version
  if (args.length) parts.push(`pip install ${pin.remove.length ? '--force-reinstall ' : ''}${args.join(' ')}`);
  return parts.join(' && ');
}

/** pip lines for a set of chosen pins and removals (fix's plans): uninstall first, then one install. */
export function pinLines(pins: Readonly<Record<string, string>>, removals: readonly string[]): string[] {
  const out: string[] = [];
  if (removals.length) out.push(`pip uninstall -y ${removals.join(' ')}`);
  const args = Object.entries(pins).map(([name, spec]) => requirementArg(name, spec));
  if (args.length) out.push(`pip install ${args.join(' ')}`);
  return out;
}
