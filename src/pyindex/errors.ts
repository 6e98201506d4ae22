// The index's expected failures: one line each for the CLI (exit 2), with the data the solver needs.
import { UserError } from '../util/errors.js';

/** An index or find-links source could not be read (network, timeout, HTTP status other than 404). */
export class IndexUnreachableError extends UserError {
  constructor(readonly url: string, readonly detail: string) {
    super(`package index unreachable: ${url}: ${detail}`, 'check the index-url / extra-index-url / proxy settings of the target\'s pip (pip config list)');
    this.name = 'IndexUnreachableError';
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
  constructor(readonly url: string, readonly detail: string) {
    super(`cannot read package metadata from ${url}: ${detail}`);
    this.name = 'IndexFileError';
  }
}
