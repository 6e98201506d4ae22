// The commands, one entry each. A command's module (flags, action and everything it imports) loads
// only when that command runs: start-up, `--version` and `--help` load none of them.
import type { Command } from 'commander';

export interface CommandModule {
  /** adds the command's arguments, options, help text and action to `cmd` (named and described here) */
  define(cmd: Command): void;
}

export interface CommandEntry {
  name: string;
  /** the one-line description `tfdoctor --help` lists */
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'check',
    summary: 'diagnose a Python env (or a requirements file) and say which conversion routes work, with fixes',
    load: () => import('./commands/check.js'),
  },
  {
    name: 'fix',
    summary: 'propose fixes for the env; with --apply-patches, apply the known source patches (reversibly)',
    load: () => import('./commands/fix.js'),
  },
  {
    name: 'lock',
    summary: "solve a whole working environment for a route, Python and platform, refereed by pip's resolver",
    load: () => import('./commands/lock.js'),
  },
  {
    name: 'patch',
    summary: 'status and revert of the source patches `fix --apply-patches` applies',
    load: () => import('./commands/patch.js'),
  },
  {
    name: 'convert',
    summary: 'convert an ONNX model to TFLite natively (no Python, no TensorFlow)',
    load: () => import('./commands/convert.js'),
  },
];
