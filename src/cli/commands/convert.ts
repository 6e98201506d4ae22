import type { Command } from 'commander';

// Placeholder until the 'convert' command lands; registered so the CLI shape is stable.
export function registerConvert(program: Command): void {
  program.command('convert').description('(convert: not implemented yet)').action(() => {
    process.stderr.write('tfdoctor convert: not implemented yet\n');
    process.exitCode = 2;
  });
}
