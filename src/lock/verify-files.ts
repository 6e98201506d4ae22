// "Incompatible" versus "this index lacks a file": a dry run resolves from the metadata the index
// serves beside each wheel (PEP 658) and never downloads the wheels, so a file the index lists but
// cannot deliver passes it. This asks for every chosen file: a HEAD request (a one-byte range GET
// where HEAD is refused) for http(s), existence on disk for file://. 404 / 410 / a missing file make
// the outcome an index-error naming the files; anything else it cannot settle is listed as unverified.
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RefereeOutcome } from './types.js';

export interface VerifyOptions {
  /** for all checks together */
  timeoutMs: number;
  /** requests at once (default 8) */
  concurrency?: number;
}

type FileCheck = { url: string; state: 'ok' } | { url: string; state: 'missing'; reason: string } | { url: string; state: 'unknown'; reason: string };

/** Checks that each resolved package's file can be fetched; other outcomes come back unchanged. */
export async function verifyFiles(outcome: RefereeOutcome, opts: VerifyOptions): Promise<RefereeOutcome> {
  if (outcome.kind !== 'resolved') return outcome;
  const started = performance.now();
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const urls = outcome.packages.map((p) => p.url);
  const results: FileCheck[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      results[i] = await checkFile(urls[i]!, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, urls.length) }, worker));
  const seconds = outcome.seconds + (performance.now() - started) / 1000;
  const missing = results.filter((r): r is Extract<FileCheck, { state: 'missing' }> => r.state === 'missing');
  if (missing.length > 0) {
    const names = missing.map((m) => `${fileName(m.url)} (${m.reason})`);
    return {
      ...(outcome.pip ? { pip: outcome.pip } : {}),
      ...(outcome.config ? { config: outcome.config } : {}),
      kind: 'index-error',
      url: missing[0]!.url,
      detail: `the index lists ${names.join(', ')} but cannot serve ${missing.length === 1 ? 'it' : 'them'}`,
      missingFiles: missing.map((m) => m.url),
      pipVersion: outcome.pipVersion,
      seconds,
      command: outcome.command,
      stderr: '',
    };
  }
  const unverified = results.filter((r) => r.state === 'unknown').map((r) => ({ url: r.url, reason: (r as { reason: string }).reason }));
  return { ...outcome, seconds, filesVerified: { ok: results.length - unverified.length, unverified } };
}

async function checkFile(url: string, signal: AbortSignal): Promise<FileCheck> {
  if (url.startsWith('file:')) {
    try {
      await access(fileURLToPath(url));
      return { url, state: 'ok' };
    } catch {
      return { url, state: 'missing', reason: 'no such file' };
    }
  }
  if (!/^https?:/.test(url)) return { url, state: 'unknown', reason: 'not an http(s) or file URL' };
  const { bare, headers } = withoutCredentials(url);
  try {
    let res = await fetch(bare, { method: 'HEAD', headers, signal, redirect: 'follow' });
    if (res.status === 405 || res.status === 501) {
      // HEAD refused: ask for the first byte instead
      res = await fetch(bare, { method: 'GET', headers: { ...headers, Range: 'bytes=0-0' }, signal, redirect: 'follow' });
      await res.body?.cancel();
    }
    if (res.ok) return { url, state: 'ok' };
    if (res.status === 404 || res.status === 410) return { url, state: 'missing', reason: `HTTP ${res.status}` };
    return { url, state: 'unknown', reason: `HTTP ${res.status}` };
  } catch (e) {
    return { url, state: 'unknown', reason: signal.aborted ? 'timed out' : (e as Error).message };
  }
}

/** fetch refuses URLs with user:password@; they become a Basic Authorization header. */
function withoutCredentials(url: string): { bare: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { bare: url, headers: {} };
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { bare: u.toString(), headers: { Authorization: `Basic ${auth}` } };
}

function fileName(url: string): string {
  return decodeURIComponent(url.split(/[?#]/)[0]!.split('/').at(-1) ?? url);
}
