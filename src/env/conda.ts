import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Metadata folders (.dist-info / .egg-info, prefix-relative, '/'-separated) listed in the `files`
 * of the conda-meta/*.json records of a conda prefix: the Python distributions conda installed.
 * Returns null when `prefix` has no conda-meta folder.
 */
export async function condaOwnedMetadataDirs(prefix: string): Promise<Set<string> | null> {
  const metaDir = join(prefix, 'conda-meta');
  let entries: string[];
  try {
    entries = await readdir(metaDir);
  } catch {
    return null;
  }
  const owned = new Set<string>();
  await Promise.all(entries.filter((e) => e.endsWith('.json')).map(async (entry) => {
    let record: unknown;
    try {
      record = JSON.parse(await readFile(join(metaDir, entry), 'utf8'));
    } catch {
      return; // a damaged record owns nothing we can tell
    }
    const files = (record as { files?: unknown }).files;
    if (!Array.isArray(files)) return;
    for (const file of files) {
      if (typeof file !== 'string') continue;
      const dir = metadataDirOf(file.replace(/\\/g, '/'));
      if (dir) owned.add(dir);
    }
  }));
  return owned;
}

function metadataDirOf(path: string): string | null {
  const m = /^(.*?\.(?:dist-info|egg-info))(?:\/|$)/.exec(path);
  return m?.[1] ?? null;
}
