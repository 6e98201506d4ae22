// The launcher (bin/tfdoctor) starts commands that open no TLS connection without NODE_EXTRA_CA_CERTS,
// which Node would otherwise parse at start-up; it keeps the user's value in SAVED_EXTRA_CA_CERTS. Put
// back before anything runs, so every process tfdoctor starts (the probe, pip, conda) sees the user's
// environment as it was.
export const SAVED_EXTRA_CA_CERTS = 'TFDOCTOR_SAVED_NODE_EXTRA_CA_CERTS';

/** Restores NODE_EXTRA_CA_CERTS from the launcher's copy (in place) and drops the copy. */
export function restoreLauncherEnv(env: NodeJS.ProcessEnv = process.env): void {
  const saved = env[SAVED_EXTRA_CA_CERTS];
  if (saved === undefined) return;
  env.NODE_EXTRA_CA_CERTS = saved;
  delete env[SAVED_EXTRA_CA_CERTS];
}
