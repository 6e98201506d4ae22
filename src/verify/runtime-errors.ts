import { UserError } from '../util/errors.js';

/** `--verify` runs the model in two runtimes that are optional packages: say which to install. */
export function missingRuntime(pkg: string, version: string, err: unknown): UserError {
  const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new UserError(
    `convert --verify needs ${pkg}, which could not be loaded (${why})`,
    `install it next to tfdoctor: npm install ${pkg}@${version}`,
  );
}
