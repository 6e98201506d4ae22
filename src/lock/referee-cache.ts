// pip's verdicts on a set of pins, kept on disk for a time-to-live: a full resolution takes pip
// minutes where a wheel's metadata must be read from a multi-hundred-MB file. The key is everything
// the verdict depends on: the requirement and constraint lines, the target, and pip's configuration
// (index URLs, find-links, constraint files) as `pip config list` shows it. Timeouts and index
// errors are never kept. Writes are atomic; an unwritable cache only costs speed.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { writeAtomic } from '../util/atomic-write.js';
import { join } from 'node:path';
import { cacheDir } from '../util/cache-dir.js';
import type { RefereeOutcome, Target } from './types.js';

const FORMAT = 1;
export const REFEREE_TTL_MS = 24 * 3600 * 1000;

export interface RefereeKey {
  requirements: string[];
  constraints: string[];
  target: Target;
  /** whatever else decides pip's answer: its configuration, the interpreter that runs it */
  context: string[];
}

function keyOf(k: RefereeKey): string {
  return createHash('sha256').update(JSON.stringify([FORMAT, k.requirements, k.constraints, k.target, k.context])).digest('hex').slice(0, 32);
}

function folder(): string {
  return join(cacheDir(), 'referee');
}

export async function readVerdict(k: RefereeKey, ttlMs = REFEREE_TTL_MS, now = Date.now()): Promise<RefereeOutcome | null> {
  try {
    const stored = JSON.parse(await readFile(join(folder(), `${keyOf(k)}.json`), 'utf8')) as { format: number; at: number; outcome: RefereeOutcome };
    if (stored.format !== FORMAT || now - stored.at > ttlMs) return null;
    return stored.outcome;
  } catch {
    return null;
  }
}

export async function keepVerdict(k: RefereeKey, outcome: RefereeOutcome, now = Date.now()): Promise<void> {
  if (outcome.kind !== 'resolved' && outcome.kind !== 'conflict' && outcome.kind !== 'no-distribution') return;
  try {
    await mkdir(folder(), { recursive: true });
    await writeAtomic(join(folder(), `${keyOf(k)}.json`), JSON.stringify({ format: FORMAT, at: now, outcome }));
  } catch {
    // a read-only cache folder only costs speed
  }
}
