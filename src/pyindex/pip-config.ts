// The index settings of the target's pip, read through that pip (`python -m pip config list`,
// which merges its config files and shows PIP_* variables as `:env:.` keys), with pip's order of
// precedence for `pip install`: [global] < [install] < environment.
import { runChild } from '../util/child.js';
import { UserError } from '../util/errors.js';
import { proxyFromEnv } from './http.js';

export interface PipIndexConfig {
  indexUrl: string;
  extraIndexUrls: string[];
  findLinks: string[];
  noIndex: boolean;
  /** pip's `proxy`, else HTTPS_PROXY / HTTP_PROXY; null when none */
  proxy: string | null;
  /** CA bundle pip verifies with; null for the default */
  cert: string | null;
}

export const PYPI_SIMPLE = 'https://pypi.org/simple';

const SECTIONS_LOW_TO_HIGH = ['global', 'install', ':env:'];

/** `section.key='value'` lines of `pip config list`, merged by pip's precedence for `pip install`. */
export function parsePipConfigList(text: string): Map<string, string> {
  const bySection = new Map<string, Map<string, string>>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^.=\s]+|:env:)\.([A-Za-z0-9_-]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, section, key, raw] = m as unknown as [string, string, string, string];
    const values = bySection.get(section) ?? new Map<string, string>();
    values.set(key.replace(/_/g, '-').toLowerCase(), unquote(raw));
    bySection.set(section, values);
  }
  const merged = new Map<string, string>();
  for (const section of SECTIONS_LOW_TO_HIGH) for (const [k, v] of bySection.get(section) ?? []) merged.set(k, v);
  return merged;
}

/** pip prints values with Python's repr(): '...' or "..." with backslash escapes. */
function unquote(raw: string): string {
  const q = raw[0];
  if ((q === "'" || q === '"') && raw.endsWith(q) && raw.length >= 2) {
    return raw.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
  }
  return raw;
}

/** pip's boolean settings: yes/true/on/1 (strtobool); no-index given as a number counts too. */
function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|y|yes|t|true|on)$/i.test(v.trim());
}

function words(v: string | undefined): string[] {
  return v ? v.split(/\s+/).filter(Boolean) : [];
}

/** The index settings from merged `pip config list` values and the environment (the proxy variables pip's requests honours). */
export function indexConfigFrom(values: Map<string, string>, env: NodeJS.ProcessEnv): PipIndexConfig {
  return {
    indexUrl: words(values.get('index-url'))[0] ?? PYPI_SIMPLE,
    extraIndexUrls: words(values.get('extra-index-url')),
    findLinks: words(values.get('find-links')),
    noIndex: truthy(values.get('no-index')),
    proxy: values.get('proxy') || proxyFromEnv(env),
    cert: values.get('cert') || null,
  };
}

/**
 * PIP_* variables as `pip config list` would show them (`:env:.key`): the fallback when the
 * target has no pip, so the environment still counts.
 */
export function envConfigValues(env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('PIP_') || v === undefined) continue;
    values.set(k.slice(4).toLowerCase().replace(/_/g, '-'), v);
  }
  return values;
}

export interface ReadPipConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** default 30 s; the child is killed when it runs over */
  timeoutMs?: number;
}

/** The index settings `python -m pip install` would use. */
export async function readPipConfig(python: string, options: ReadPipConfigOptions = {}): Promise<PipIndexConfig> {
  const env = options.env ?? process.env;
  // pip imports a lot before it answers: seconds on a quiet machine, tens of seconds on a busy one
  const timeoutMs = options.timeoutMs ?? 120_000;
  const run = await runChild(python, ['-m', 'pip', 'config', 'list'], {
    env: { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1' }, extendEnv: false, timeoutMs,
  });
  if (run.timedOut) throw new UserError(`${python} -m pip config list: no answer within ${timeoutMs / 1000} s`);
  if (run.spawnError) throw new UserError(`${python} -m pip config list failed: ${run.spawnError}`);
  if (run.exitCode !== 0) {
    const detail = run.stderr.trim().split('\n').pop() ?? '';
    if (/No module named pip/.test(run.stderr)) return indexConfigFrom(envConfigValues(env), env);
    throw new UserError(`${python} -m pip config list failed: ${detail || `exit ${run.exitCode ?? run.signal}`}`);
  }
  return indexConfigFrom(parsePipConfigList(run.stdout), env);
}
