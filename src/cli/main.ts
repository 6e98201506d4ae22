#!/usr/bin/env node
// `tfdoctor --version` answers before commander and the command table load: it is the start-up figure
// people time, and it needs only package.json.
import { toolVersion } from '../util/package-root.js';
import { restoreLauncherEnv } from './launcher-env.js';
import { deferStdout } from './stdout.js';

restoreLauncherEnv();

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${toolVersion()}\n`);
} else {
  // a reader that stops early (`tfdoctor check | head`) ends the output quietly, not with a stack trace
  deferStdout((stdout) => stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }));
  // no top-level await: the bundle is CommonJS (src/cli/launcher.ts)
  void import('./program.js').then(async ({ run }) => {
    process.exitCode = await run(process.argv);
  });
}

