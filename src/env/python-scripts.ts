import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a script in the package's python/ folder. Resolved from this module's own
 * location, which is src/env/ under vitest and dist/env/ once built: both sit two levels below the root.
 */
export function pythonScript(name: string): string {
  return fileURLToPath(new URL(`../../python/${name}`, import.meta.url));
}

/** Last non-empty line of a process's stderr, for one-line error messages. */
export function lastLine(text: string | undefined): string {
  const lines = (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? '';
}
