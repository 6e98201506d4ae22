import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addEnvFlags, addTargetFlags, envSelection, targetFromFlags, type EnvFlags, type TargetFlags } from '../../src/cli/env-flags.js';
import { currentPlatform } from '../../src/env/target.js';
import { UserError } from '../../src/util/errors.js';

/** Parses argv with a throwaway command that has the flags, and gives back commander's options. */
function parse<T>(add: (c: Command) => Command, argv: string[]): T {
  const cmd = add(new Command('t').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<T & object>();
}

describe('env flags', () => {
  it('an installed env: the one flag given becomes the target', () => {
    const flags = parse<EnvFlags>((c) => addEnvFlags(c, { planned: true }), ['--conda-env', 'tf']);
    expect(envSelection(flags, 'check')).toEqual({ kind: 'installed', target: { condaEnv: 'tf' } });
    expect(envSelection({}, 'check')).toEqual({ kind: 'installed', target: {} });
  });

  it('a planned env: requirements, Python version and a parsed platform', () => {
    const flags = parse<EnvFlags>((c) => addEnvFlags(c, { planned: true }),
      ['--requirements', 'r.txt', '--python-version', '3.10', '--platform', 'windows-amd64']);
    expect(envSelection(flags, 'fix')).toEqual({
      kind: 'planned', requirements: 'r.txt', pythonVersion: '3.10', platform: { system: 'win32', machine: 'AMD64' },
    });
  });

  it.each([
    [{ requirements: 'r.txt', venv: '.venv', pythonVersion: '3.10' }, /cannot be combined/],
    [{ requirements: 'r.txt' }, /--requirements needs --python-version/],
    [{ requirements: 'r.txt', pythonVersion: 'three' }, /--python-version "three" is not a Python version/],
    [{ requirements: 'r.txt', pythonVersion: '3.10', platform: 'amiga' }, /--platform "amiga" is not a platform/],
    [{ pythonVersion: '3.10' }, /--python-version only applies with --requirements/],
    [{ venv: '.venv', platform: 'linux-x86_64' }, /--platform only applies with --requirements/],
  ])('refuses %j', (flags, message) => {
    expect(() => envSelection(flags as EnvFlags, 'check')).toThrow(message);
    expect(() => envSelection(flags as EnvFlags, 'check')).toThrow(UserError);
  });

  it('the hint names the command', () => {
    try {
      envSelection({ requirements: 'r.txt' }, 'fix');
      expect.unreachable();
    } catch (err) {
      expect((err as UserError).hint).toMatch(/^e\.g\. tfdoctor fix --requirements/);
    }
  });

  it('without planned: true a command has no --requirements flag', () => {
    expect(() => parse<EnvFlags>((c) => addEnvFlags(c), ['--requirements', 'r.txt'])).toThrow(/unknown option '--requirements'/);
  });
});

describe('target flags (lock)', () => {
  it('Python X.Y (X.Y.Z cut to the minor), platform, repeatable --with', () => {
    const flags = parse<TargetFlags>(addTargetFlags,
      ['--python', '3.11.7', '--platform', 'linux-aarch64', '--with', 'torch==2.13.0', '--with', 'Tf_Keras[extra]>=2.15,<2.16']);
    expect(targetFromFlags(flags)).toEqual({
      target: { python: '3.11', platform: { system: 'linux', machine: 'aarch64' } },
      with: [
        { name: 'torch', displayName: 'torch', extras: [], specifier: '==2.13.0', text: 'torch==2.13.0' },
        { name: 'tf-keras', displayName: 'Tf_Keras', extras: ['extra'], specifier: '>=2.15,<2.16', text: 'Tf_Keras[extra]>=2.15,<2.16' },
      ],
    });
  });

  it('the platform defaults to this machine', () => {
    expect(targetFromFlags({ python: '3.12' }).target.platform).toEqual(currentPlatform());
  });

  it.each([
    [{}, /--python X\.Y is required/],
    [{ python: '3' }, /--python "3" is not a Python version/],
    [{ python: '3.11', with: ['torch=2.13.0'] }, /--with "torch=2\.13\.0"/],
    [{ python: '3.11', with: ['torch==banana'] }, /"==banana" is not a PEP 440 version specifier/],
    [{ python: '3.11', with: ['torch @ https://example.org/torch.whl'] }, /no URL, no marker/],
    [{ python: '3.11', with: ['torch==2.13.0; python_version < "3.12"'] }, /no URL, no marker/],
  ])('refuses %j', (flags, message) => {
    expect(() => targetFromFlags(flags as TargetFlags)).toThrow(message);
    expect(() => targetFromFlags(flags as TargetFlags)).toThrow(UserError);
  });
});
