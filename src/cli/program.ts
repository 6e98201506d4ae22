import { Command, CommanderError } from 'commander';
import { COMMANDS } from './command-table.js';
import { ExitCode, UserError, describeError } from '../util/errors.js';
import { toolVersion } from '../util/package-root.js';

/** The command the arguments name (`tfdoctor [opts] NAME ...` or `tfdoctor help NAME`), if any. */
export function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Builds the commander program for these arguments (without node and the script): every command
 * is listed, but only the one the arguments name loads its module and gets its flags.
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('tfdoctor')
    .description('Diagnose PyTorch -> ONNX -> TFLite environments, fix them, or convert natively.')
    .version(toolVersion())
    .exitOverride()
    .showHelpAfterError();
  const named = commandNamed(args);
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name).description(entry.summary);
    if (entry.name === named) (await entry.load()).define(cmd);
  }
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv.slice(2));
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
