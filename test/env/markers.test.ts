import { describe, expect, it } from 'vitest';
import { evaluateMarker, markerEnvironment, MarkerSyntaxError, parseMarker } from '../../src/env/markers.js';

const linux310 = markerEnvironment('3.10.18', { system: 'linux', machine: 'x86_64' });
const mac312 = markerEnvironment('3.12', { system: 'darwin', machine: 'arm64' });
const win311 = markerEnvironment('3.11.7', { system: 'win32', machine: 'AMD64' });

describe('PEP 508 markers', () => {
  it('derives the marker variables of a planned CPython', () => {
    expect(linux310).toMatchObject({
      python_version: '3.10', python_full_version: '3.10.18', sys_platform: 'linux', platform_system: 'Linux',
      platform_machine: 'x86_64', os_name: 'posix', implementation_name: 'cpython',
    });
    expect(win311).toMatchObject({ sys_platform: 'win32', platform_system: 'Windows', os_name: 'nt' });
    expect(mac312).toMatchObject({ python_version: '3.12', platform_system: 'Darwin' });
  });

  it('compares python versions as PEP 440 versions, not strings', () => {
    // as strings "3.10" < "3.9"; as versions it is the other way round
    expect(evaluateMarker('python_version >= "3.9"', linux310)).toBe(true);
    expect(evaluateMarker('python_version < "3.9"', linux310)).toBe(false);
    expect(evaluateMarker("python_full_version < '3.10.2'", linux310)).toBe(false);
    expect(evaluateMarker("python_full_version >= '3.10.2'", linux310)).toBe(true);
    expect(evaluateMarker('python_version == "3.10.*"', linux310)).toBe(true);
    expect(evaluateMarker('python_version ~= "3.10"', mac312)).toBe(true);
    expect(evaluateMarker('"3.11" > python_version', linux310)).toBe(true);
  });

  it('evaluates and / or / parentheses with the usual precedence', () => {
    expect(evaluateMarker('sys_platform == "darwin" and platform_machine == "arm64"', mac312)).toBe(true);
    expect(evaluateMarker('sys_platform == "darwin" and platform_machine == "arm64"', linux310)).toBe(false);
    // and binds tighter than or
    expect(evaluateMarker('sys_platform == "win32" or sys_platform == "linux" and python_version < "3"', linux310)).toBe(false);
    expect(evaluateMarker('(sys_platform == "win32" or sys_platform == "linux") and python_version > "3"', linux310)).toBe(true);
    expect(evaluateMarker('os_name == "nt" and platform_system == "Windows"', win311)).toBe(true);
  });

  it('handles in / not in, legacy names and extra', () => {
    expect(evaluateMarker('"linux" in sys_platform', linux310)).toBe(true);
    expect(evaluateMarker('platform_machine not in "x86_64 AMD64"', mac312)).toBe(true);
    expect(evaluateMarker("platform.machine == 'x86_64'", linux310)).toBe(true);
    expect(evaluateMarker('extra == "test"', linux310)).toBe(false);
  });

  it('rejects malformed markers with what is wrong', () => {
    expect(() => parseMarker('python_version <> "3"')).toThrow(MarkerSyntaxError);
    expect(() => parseMarker('python_versio == "3.10"')).toThrow(/unknown marker variable "python_versio"/);
    expect(() => parseMarker('(python_version == "3.10"')).toThrow(/missing "\)"/);
    expect(() => parseMarker('python_version == "3.10')).toThrow(/unterminated string/);
    expect(() => parseMarker('python_version == "3.10" and')).toThrow(/ends too early/);
  });
});
