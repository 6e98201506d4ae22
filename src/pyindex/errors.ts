// The index's expected failures: one line each for the CLI (exit 2), with the data the solver needs.
import { UserError } from '../util/errors.js';

/** user:password@ (often a token) stays out of messages, evidence and the cache. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** An index or find-links source could not be read (network, timeout, HTTP status other than 404). */
export class IndexUnreachableError extends UserError {
  readonly url: string;

  constructor(url: string, readonly detail: string) {
    super(`package index unreachable: ${redactUrl(url)}: ${detail}`, 'check the index-url / extra-index-url / proxy settings of the target\'s pip (pip config list)');
    this.name = 'IndexUnreachableError';
    this.url = redactUrl(url);
  }
}

/** --offline and the cache lacks facts: which projects (and project==version metadata) are missing. */
export class IndexMissError extends UserError {
  constructor(readonly missing: string[]) {
    super(`--offline: not cached: ${missing.join(', ')}`, 'run once without --offline to fill the index cache');
    this.name = 'IndexMissError';
  }
}

/** A file the index lists could not be read as a wheel / METADATA (corrupt zip, no METADATA, no range support). */
export class IndexFileError extends UserError {
  readonly url: string;

  constructor(url: string, readonly detail: string) {
    super(`cannot read package metadata from ${redactUrl(url)}: ${detail}`);
    this.name = 'IndexFileError';
    this.url = redactUrl(url);
  }
}
