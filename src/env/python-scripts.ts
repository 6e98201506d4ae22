import { packagePath } from '../util/package-root.js';

/** Absolute path of a script in the package's python/ folder. */
export function pythonScript(name: string): string {
  return packagePath('python', name);
}

/** Last non-empty line of a process's stderr, for one-line error messages. */
export function lastLine(text: string | undefined): string {
  const lines = (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? '';
}
