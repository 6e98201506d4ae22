import { homedir } from 'node:os';
import { join } from 'node:path';

/** tfdoctor's cache folder: $TFDOCTOR_CACHE_DIR, else $XDG_CACHE_HOME/tfdoctor, else ~/.cache/tfdoctor. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TFDOCTOR_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tfdoctor');
}
