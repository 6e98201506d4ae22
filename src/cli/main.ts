#!/usr/bin/env node
// `tfdoctor --version` answers before commander and the command table load: it is the start-up figure
// people time, and it needs only package.json.
import { toolVersion } from '../util/package-root.js';
import { restoreLauncherEnv } from './launcher-env.js';

restoreLauncherEnv();

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${toolVersion()}\n`);
} else {
  // a reader that stops early (`tfdoctor check | head`) ends the output quietly, not with a stack trace
  whenStdoutBuilt((stdout) => stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }));
  // no top-level await: the bundle is CommonJS (src/cli/launcher.ts)
  void import('./program.js').then(async ({ run }) => {
    process.exitCode = await run(process.argv);
  });
}

/**
 * Runs `hook` on process.stdout when Node first builds it (a getter that builds the stream once). On a
 * pipe that loads ~8 ms of modules: a command that writes its output itself (convert, src/cli/stdout.ts)
 * then never pays for it.
 */
function whenStdoutBuilt(hook: (stdout: NodeJS.WriteStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    hook(process.stdout);
    return;
  }
  const build = own.get;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get() {
      Object.defineProperty(process, 'stdout', own);
      const stdout = build.call(process) as NodeJS.WriteStream;
      hook(stdout);
      return stdout;
    },
  });
}
