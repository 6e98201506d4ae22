// The installed package's root folder, where the data files (matrix/, patches/, python/) live.
// Found by walking up from this module to tfdoctor's own package.json, so it holds wherever the
// code runs from: src/ under vitest, dist/ compiled by tsc, or the one-file bundle dist/tfdoctor.mjs.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
let manifest: { name?: string; version?: string } | undefined;

function readManifest(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

export function packageRoot(): string {
  if (root !== undefined) return root;
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const m = readManifest(dir);
    if (m?.name === 'tfdoctor') {
      manifest = m;
      return (root = dir);
    }
    if (dirname(dir) === dir) throw new Error(`tfdoctor's package.json not found above ${here}`);
  }
}

/** A path inside the package, e.g. packagePath('matrix'). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** tfdoctor's version, from its package.json. */
export function toolVersion(): string {
  packageRoot();
  return manifest?.version ?? 'unknown';
}

/**
 * tfdoctor's version and, when it runs from the program bundle, the bundle's content hash (its file
 * name: scripts/bundle.mjs), so that caches of derived data change with every build, not only with
 * every release. Unbundled (tsc's dist/, vitest) it is the version alone.
 */
export function toolBuild(): string {
  const file = basename(fileURLToPath(import.meta.url));
  const bundleHash = /^tfdoctor-([A-Za-z0-9]+)\.cjs$/.exec(file)?.[1];
  return bundleHash ? `${toolVersion()}+${bundleHash}` : toolVersion();
}
