// Reads why a `pip install --dry-run` failed from pip's own output. pip's wording is third-party
// text, so every pattern lives here, each with the pip versions it was seen in (23.2.1 and 25.3,
// exercised by test/lock/referee-local.test.ts; 24.2 for the wheel 404). The conflict explanation
// goes to stdout (logged at info level), the ERROR lines to stderr: both streams are read.

export type PipFailure =
  | { kind: 'conflict'; causes: string[] }
  | { kind: 'no-distribution'; requirement: string; versionsSeen: string[]; ignoredForPython: string[] }
  | { kind: 'index-error'; url: string | null; detail: string }
  | { kind: 'unknown'; detail: string };

// 23.2.1 / 25.3: "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/..."
const RESOLUTION_IMPOSSIBLE = /ResolutionImpossible/;
// 23.2.1 / 25.3: stdout "The conflict is caused by:" then indented lines, ended by a blank line
const CONFLICT_HEADER = /^The conflict is caused by:\s*$/;
// 23.2.1 / 25.3: "ERROR: Cannot install a==1 and b==2 because these package versions have conflicting dependencies."
const CANNOT_INSTALL = /^ERROR: (Cannot install .* because these package versions have conflicting dependencies\.)/m;
// 23.2.1 / 25.3: "ERROR: Could not find a version that satisfies the requirement X (from versions: 1.0, 2.0)"
//   (25.3 adds "(from parent)" after X for a dependency)
const NO_VERSION = /^ERROR: Could not find a version that satisfies the requirement (.+?)(?: \(from [^)]*\))? \(from versions: ([^)]*)\)\s*$/m;
// 23.2.1 / 25.3: "ERROR: No matching distribution found for X"
const NO_MATCHING = /^ERROR: No matching distribution found for (.+?)\s*$/m;
// 23.3+: "ERROR: Ignored the following versions that require a different python version: 2.0.0 Requires-Python >=3.12; ..."
const IGNORED_PYTHON = /^ERROR: Ignored the following versions that require a different python version: (.+)$/m;
// a wheel pip had to fetch and could not; these two are read from pip 25.3's source
// (operations/prepare.py, commands/install.py), not yet seen in a run here:
//   "ERROR: Could not install requirement X because of HTTP error 404 Client Error: ... for URL LINK"
const HTTP_ERROR_FILE = /^ERROR: Could not install requirement (.+?) because of HTTP error (\d{3})?(.*?) for URL (\S+)/m;
//   "ERROR: Could not install packages due to an OSError: [Errno 2] No such file or directory: 'PATH'"
const FILE_ERROR = /^ERROR: Could not install packages due to an OSError: (\[Errno \d+\] [^:]+): '([^']+)'/m;
// urllib3 through pip, 23.2.1 / 25.3: "WARNING: Retrying (Retry(total=4, ...)) after connection broken by 'NewConnectionError(...)': /simple/x/"
const RETRYING = /^WARNING: Retrying \(Retry\(.*?\)\) after connection broken by '([^(']+)/m;
// 23.2.1 (file:// and http) / 24.2 (file://): "ERROR: HTTP error 404 while getting URL (from PAGE)" / "ERROR: 404 Client Error: FileNotFoundError for url: URL"
const HTTP_GETTING = /^ERROR: HTTP error (\d+) while getting (\S+)/m;
const CLIENT_ERROR = /^ERROR: (\d{3} (?:Client|Server) Error: .*?) for url: (\S+)/m;
// SSL / proxy / DNS failures that end the run (urllib3's exception names, as pip 23.2.1 / 25.3 print them)
const NETWORK_FATAL = /^(?:ERROR|WARNING): .*(?:SSLError|ProxyError|certificate verify failed|Name or service not known|Temporary failure in name resolution|Network is unreachable|Connection refused|Read timed out).*$/m;

/** Classifies a failed run from its two output streams. */
export function classifyPipFailure(stdout: string, stderr: string): PipFailure {
  const both = `${stdout}\n${stderr}`;
  if (RESOLUTION_IMPOSSIBLE.test(both) || CONFLICT_HEADER.test(stdout)) {
    const causes = conflictCauses(stdout);
    const headline = CANNOT_INSTALL.exec(stderr)?.[1];
    return { kind: 'conflict', causes: causes.length > 0 ? causes : headline ? [headline] : [] };
  }
  const fileHttp = HTTP_ERROR_FILE.exec(stderr);
  if (fileHttp) {
    const url = fileHttp[4]!.split('#')[0]!;
    const why = `${fileHttp[2] ?? ''}${fileHttp[3]!}`.trim();
    return { kind: 'index-error', url, detail: `the index lists ${fileName(url)} but cannot serve it (HTTP error${why ? ` ${why}` : ''})` };
  }
  const fileMissing = FILE_ERROR.exec(stderr);
  if (fileMissing && isDistFile(fileMissing[2]!)) {
    return { kind: 'index-error', url: `file://${fileMissing[2]!}`, detail: `the index lists ${fileName(fileMissing[2]!)} but cannot serve it (${fileMissing[1]!})` };
  }
  // a network failure comes before "no distribution": an unreachable index also ends in "(from versions: none)"
  const retry = RETRYING.exec(stderr);
  const fatal = NETWORK_FATAL.exec(stderr);
  const httpGetting = HTTP_GETTING.exec(stderr);
  const clientError = CLIENT_ERROR.exec(stderr);
  const noVersion = NO_VERSION.exec(stderr);
  const versionsSeen = noVersion ? splitVersions(noVersion[2]!) : [];
  if (httpGetting) {
    const url = httpGetting[2]!.split('#')[0]!;
    return { kind: 'index-error', url, detail: isDistFile(url) ? `the index lists ${fileName(url)} but cannot serve it (HTTP error ${httpGetting[1]!})` : `HTTP error ${httpGetting[1]!} while getting ${url}` };
  }
  if (clientError) {
    const url = clientError[2]!;
    return { kind: 'index-error', url, detail: isDistFile(url) ? `the index lists ${fileName(url)} but cannot serve it (${clientError[1]!})` : `${clientError[1]!} for ${url}` };
  }
  if (retry || fatal) {
    // retries that later succeed leave the same warning; a run that failed after them is not trusted as an answer
    const reason = fatal ? fatal[0].replace(/^(?:ERROR|WARNING): /, '').trim() : `connection broken by ${retry![1]!}`;
    const after = noVersion ? `; it then found no version of ${noVersion[1]!} (seen: ${versionsSeen.join(', ') || 'none'})` : '';
    return { kind: 'index-error', url: null, detail: `pip could not reach the index: ${reason}${after}` };
  }
  const noMatching = NO_MATCHING.exec(stderr);
  if (noVersion || noMatching) {
    const ignored = IGNORED_PYTHON.exec(stderr)?.[1];
    return {
      kind: 'no-distribution',
      requirement: (noMatching?.[1] ?? noVersion![1]!).trim(),
      versionsSeen,
      ignoredForPython: ignored ? ignored.split(';').map((s) => s.trim()).filter(Boolean) : [],
    };
  }
  const lastError = stderr.split('\n').filter((l) => l.startsWith('ERROR:')).at(-1);
  return { kind: 'unknown', detail: lastError ?? (stderr.trim().split('\n').at(-1) ?? 'pip failed without a message') };
}

// pip -vv (23.2.1 / 25.3), logged at debug level only: "Could not fetch URL https://host/simple/x/: connection error: ... - skipping"
const COULD_NOT_FETCH = /^\s*Could not fetch URL (\S+?): (.*) - skipping\s*$/gm;

/**
 * Index pages pip could not fetch, from `pip -vv` output (a plain run logs them at debug level only).
 * A 404 is left out: it is how an index says it has no such project.
 */
export function fetchFailures(output: string): { url: string; reason: string }[] {
  const out: { url: string; reason: string }[] = [];
  for (const m of output.matchAll(COULD_NOT_FETCH)) {
    if (/\b404\b/.test(m[2]!)) continue;
    out.push({ url: m[1]!, reason: m[2]!.replace(/<[^>]*object at 0x[0-9a-f]+>: /g, '') });
  }
  return out;
}

function isDistFile(url: string): boolean {
  return /\.(whl|tar\.gz|zip)$/.test(url.split(/[?#]/)[0]!);
}

function conflictCauses(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => CONFLICT_HEADER.test(l));
  if (start === -1) return [];
  const causes: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    causes.push(line.trim());
  }
  return causes;
}

function splitVersions(text: string): string[] {
  const t = text.trim();
  return t === 'none' || t === '' ? [] : t.split(',').map((v) => v.trim()).filter(Boolean);
}

function fileName(url: string): string {
  return decodeURIComponent(url.split(/[?#]/)[0]!.split('/').at(-1) ?? url);
}
