import { Command, CommanderError } from 'commander';
import { registerCheck } from './commands/check.js';
import { registerConvert } from './commands/convert.js';
import { registerFix } from './commands/fix.js';
import { registerLock } from './commands/lock.js';
import { registerPatch } from './commands/patch.js';
import { ExitCode, UserError, describeError } from '../util/errors.js';

/** Builds the commander program; every command module adds itself. */
export function buildProgram(): Command {
  const program = new Command('tfdoctor')
    .description('Diagnose PyTorch -> ONNX -> TFLite environments, fix them, or convert natively.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerCheck(program);
  registerFix(program);
  registerLock(program);
  registerPatch(program);
  registerConvert(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0 through commander
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    process.stderr.write(`tfdoctor: ${describeError(err)}\n`);
    return err instanceof UserError ? err.exitCode : ExitCode.Usage;
  }
}
