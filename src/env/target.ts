// What a planned environment is for: the platform (and the Python) it will run on, as Python itself
// spells them (sys.platform, platform.machine()). Parsed once here for every command's --platform.
import { arch, endianness } from 'node:os';
import { UserError } from '../util/errors.js';
import type { PlannedPlatform } from './markers.js';

/** This machine's sys.platform / platform.machine() values (what Python itself would report). */
export function currentPlatform(): PlannedPlatform {
  const system = process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : process.platform;
  return { system, machine: pythonMachine(arch(), system) };
}

function pythonMachine(nodeArch: string, system: string): string {
  switch (nodeArch) {
    case 'x64': return system === 'win32' ? 'AMD64' : 'x86_64';
    case 'arm64': return system === 'win32' ? 'ARM64' : system === 'darwin' ? 'arm64' : 'aarch64';
    case 'ia32': return system === 'win32' ? 'x86' : 'i686';
    case 'arm': return 'armv7l';
    case 'ppc64': return endianness() === 'LE' ? 'ppc64le' : 'ppc64';
    default: return nodeArch; // s390x, riscv64, loong64, mips: same spelling in Python
  }
}

const SYSTEMS: Record<string, string> = {
  linux: 'linux', darwin: 'darwin', macos: 'darwin', mac: 'darwin', osx: 'darwin', win32: 'win32', windows: 'win32', win: 'win32',
};
const MACHINES: Record<string, string> = { x86_64: 'x64', amd64: 'x64', x64: 'x64', aarch64: 'arm64', arm64: 'arm64', i686: 'ia32', x86: 'ia32' };

/**
 * Parses a `--platform` value, SYSTEM-MACHINE (or SYSTEM/MACHINE, or SYSTEM alone for this machine's
 * architecture): linux-x86_64, linux-aarch64, darwin-arm64 (macos-arm64), win32-amd64 (windows-amd64).
 * Machine names are given back in the spelling Python's platform.machine() uses on that system.
 */
export function parsePlatform(spec: string): PlannedPlatform {
  const m = /^([A-Za-z0-9]+)(?:[-/:]([A-Za-z0-9_]+))?$/.exec(spec.trim());
  const system = m ? SYSTEMS[m[1]!.toLowerCase()] : undefined;
  if (!m || !system) {
    throw new UserError(`--platform "${spec}" is not a platform`, 'write SYSTEM-MACHINE, e.g. linux-x86_64, linux-aarch64, darwin-arm64, win32-amd64');
  }
  const machine = m[2];
  if (!machine) return { system, machine: pythonMachine(arch(), system) };
  const nodeArch = MACHINES[machine.toLowerCase()];
  return { system, machine: nodeArch ? pythonMachine(nodeArch, system) : machine };
}

const PYTHON_VERSION = /^\d+\.\d+(\.\d+)?$/;

/** Checks a Python version given as `flag` (X.Y or X.Y.Z) and gives it back. */
export function parsePythonVersion(text: string, flag = '--python-version'): string {
  if (!PYTHON_VERSION.test(text)) {
    throw new UserError(`${flag} "${text}" is not a Python version`, 'write it as X.Y or X.Y.Z, e.g. 3.10');
  }
  return text;
}
