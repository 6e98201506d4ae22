import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath, resolveTarget } from '../../src/env/discover.js';
import { UserError } from '../../src/util/errors.js';
import { fixtures, makeFixtureVenv, script, tempDir } from './helpers.js';

const condaPrefix = join(fixtures, 'conda-prefix');

async function failure(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

/** A conda env folder (conda-meta/ + bin/python) under `root`. */
function condaEnv(root: string): string {
  mkdirSync(join(root, 'conda-meta'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'bin', 'python'), '');
  return root;
}

describe('resolveTarget', () => {
  const emptyPath = { PATH: tempDir(), HOME: tempDir() };

  it('--python takes a path, or a name looked up on PATH', async () => {
    const bin = tempDir();
    const py = script(bin, 'python3.10', 'exit 0');
    expect(await resolveTarget({ python: py }, emptyPath)).toEqual({ kind: 'interpreter', interpreter: py, description: `interpreter ${py}` });
    expect((await resolveTarget({ python: 'python3.10' }, { PATH: bin })).interpreter).toBe(py);
    expect((await failure(resolveTarget({ python: 'python3.99' }, { PATH: bin }))).message).toBe('python "python3.99" was not found on PATH');
    expect((await failure(resolveTarget({ python: join(bin, 'nope') }, emptyPath))).message).toBe(`python at ${join(bin, 'nope')} was not found`);
  });

  it('--python on an env folder says which flag to use', async () => {
    const venv = makeFixtureVenv();
    const err = await failure(resolveTarget({ python: venv.dir }, emptyPath));
    expect(err.message).toBe(`${venv.dir} is a directory, not a Python interpreter (--python)`);
    expect(err.hint).toBe(`it is a venv: use --venv ${venv.dir}`);
    expect((await failure(resolveTarget({ python: condaPrefix }, emptyPath))).hint).toBe(`it is a conda env: use --prefix ${condaPrefix}`);
  });

  it('--venv needs pyvenv.cfg and an interpreter', async () => {
    const venv = makeFixtureVenv();
    expect(await resolveTarget({ venv: venv.dir }, emptyPath)).toEqual({
      kind: 'venv', interpreter: join(venv.dir, 'bin', 'python'), prefix: venv.dir, description: `venv ${venv.dir}`,
    });
    const notVenv = await failure(resolveTarget({ venv: condaPrefix }, emptyPath));
    expect(notVenv.message).toBe(`${condaPrefix} is not a venv: it has no pyvenv.cfg (--venv)`);
    expect(notVenv.hint).toBe(`it is a conda env: use --prefix ${condaPrefix}`);
    const noPython = tempDir();
    writeFileSync(join(noPython, 'pyvenv.cfg'), 'home = /usr/bin\n');
    expect((await failure(resolveTarget({ venv: noPython }, emptyPath))).message).toMatch(/has no interpreter \(looked for bin\/python/);
    expect((await failure(resolveTarget({ venv: join(noPython, 'missing') }, emptyPath))).message).toMatch(/does not exist/);
  });

  it('--prefix needs conda-meta', async () => {
    expect(await resolveTarget({ prefix: condaPrefix }, emptyPath)).toEqual({
      kind: 'conda', interpreter: join(condaPrefix, 'bin', 'python'), prefix: condaPrefix, description: `conda env ${condaPrefix}`,
    });
    const venv = makeFixtureVenv();
    const err = await failure(resolveTarget({ prefix: venv.dir }, emptyPath));
    expect(err.message).toBe(`${venv.dir} is not a conda env: it has no conda-meta folder (--prefix)`);
    expect(err.hint).toBe(`it is a venv: use --venv ${venv.dir}`);
  });

  it('refuses more than one env flag', async () => {
    const err = await failure(resolveTarget({ python: '/usr/bin/python3', venv: '/x' }, emptyPath));
    expect(err.message).toBe('--python and --venv cannot be used together');
    expect((await failure(resolveTarget({ condaEnv: 'a', prefix: '/x' }, emptyPath))).message).toBe('--conda-env and --prefix cannot be used together');
  });

  it('defaults to $VIRTUAL_ENV, then $CONDA_PREFIX, then python3 on PATH', async () => {
    const venv = makeFixtureVenv();
    const bin = tempDir();
    const py3 = script(bin, 'python3', 'exit 0');
    const both = { PATH: bin, VIRTUAL_ENV: venv.dir, CONDA_PREFIX: condaPrefix };
    expect(await resolveTarget({}, both)).toMatchObject({ kind: 'venv', prefix: venv.dir, description: `venv ${venv.dir} (from $VIRTUAL_ENV)` });
    expect(await resolveTarget({}, { PATH: bin, CONDA_PREFIX: condaPrefix })).toMatchObject({ kind: 'conda', prefix: condaPrefix, description: `conda env ${condaPrefix} (from $CONDA_PREFIX)` });
    expect(await resolveTarget({}, { PATH: bin })).toEqual({ kind: 'interpreter', interpreter: py3, description: `python3 on PATH (${py3})` });
    expect((await failure(resolveTarget({}, emptyPath))).message).toMatch(/no python3 on PATH/);
    // a flag beats the environment
    expect((await resolveTarget({ prefix: condaPrefix }, both)).kind).toBe('conda');
  });

  it('--conda-env finds envs under the usual roots, $CONDA_ENVS_PATH and environments.txt without conda', async () => {
    const home = tempDir();
    const inMiniforge = condaEnv(join(home, 'miniforge3', 'envs', 'tfenv'));
    condaEnv(join(home, 'miniforge3'));
    const custom = tempDir();
    const inCustom = condaEnv(join(custom, 'other'));
    const registered = condaEnv(join(tempDir(), 'elsewhere', 'registered'));
    mkdirSync(join(home, '.conda'), { recursive: true });
    writeFileSync(join(home, '.conda', 'environments.txt'), `${registered}\n`);
    const env = { HOME: home, PATH: tempDir(), CONDA_ENVS_PATH: custom };
    expect(await resolveTarget({ condaEnv: 'tfenv' }, env)).toMatchObject({ kind: 'conda', prefix: inMiniforge, interpreter: join(inMiniforge, 'bin', 'python') });
    expect((await resolveTarget({ condaEnv: 'other' }, env)).prefix).toBe(inCustom);
    expect((await resolveTarget({ condaEnv: 'registered' }, env)).prefix).toBe(registered);
    expect((await resolveTarget({ condaEnv: 'base' }, env)).prefix).toBe(join(home, 'miniforge3'));
    const err = await failure(resolveTarget({ condaEnv: 'nope' }, env));
    expect(err.message).toContain('conda env "nope" not found; looked in: ');
    expect(err.message).toContain(custom);
    expect(err.message).toContain(join(home, 'miniconda3', 'envs'));
    expect(err.message).toContain(join(home, '.conda', 'environments.txt'));
    expect(err.message).toMatch(/envs found: .*tfenv/);
    expect(err.hint).toBe('pass the env folder with --prefix DIR');
  });

  it('--conda-env asks conda when it is on PATH (`conda env list --json`)', async () => {
    const home = tempDir();
    const root = condaEnv(join(tempDir(), 'anaconda3'));
    const named = condaEnv(join(root, 'envs', 'seed'));
    const bin = tempDir();
    // conda's documented JSON answer: {"envs": [prefixes]}
    script(bin, 'conda', `[ "$1 $2 $3" = "env list --json" ] && printf '{"envs": ["${root}", "${named}"]}\\n'`);
    expect((await resolveTarget({ condaEnv: 'seed' }, { HOME: home, PATH: `${bin}:/usr/bin:/bin` })).prefix).toBe(named);
    expect((await resolveTarget({ condaEnv: 'base' }, { HOME: home, PATH: `${bin}:/usr/bin:/bin` })).prefix).toBe(root);
    const err = await failure(resolveTarget({ condaEnv: 'absent' }, { HOME: home, PATH: `${bin}:/usr/bin:/bin` }));
    expect(err.message).toMatch(/^conda env "absent" not found; looked in: `conda env list`, /);
  });
});

describe('findOnPath', () => {
  it('finds executables only', async () => {
    const bin = tempDir();
    writeFileSync(join(bin, 'python3'), '');
    expect(await findOnPath('python3', { PATH: bin })).toBeNull();
    const exe = script(tempDir(), 'python3', 'exit 0');
    expect(await findOnPath('python3', { PATH: `${bin}:${join(exe, '..')}` })).toBe(exe);
  });
});
