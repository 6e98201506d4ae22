import type { Command } from 'commander';

// Placeholder until the 'check' command lands; registered so the CLI shape is stable.
export function registerCheck(program: Command): void {
  program.command('check').description('(check: not implemented yet)').action(() => {
    process.stderr.write('tfdoctor check: not implemented yet\n');
    process.exitCode = 2;
  });
}
