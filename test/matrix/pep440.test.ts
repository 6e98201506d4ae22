import { describe, expect, it } from 'vitest';
import { compareVersions, isValidSpecifier, isValidVersion, majorMinor, satisfies, satisfiesExcludingPre } from '../../src/matrix/pep440.js';

describe('satisfies (installed versions, pre-releases included)', () => {
  it.each([
    ['2.20.0', '>=2.16', true],
    ['2.15.1', '>=2.16', false],
    ['2.21.0.dev20250818', '>=2.16', true],
    ['2.21.0.dev20250818', '<2.21', true],
    ['2.21.0.dev20250818', '>=2.21', false],
    ['2.21.0.dev20250818', '==2.21.*', true],
    ['2.21.0.dev20250818', '~=2.20.0', false],
    ['2.13.0+cpu', '>=2.9', true],
    ['2.8.0', '>=2.8,<2.9', true],
    ['0.23.0', '<=0.23.0', true],
    ['0.23.0', '==0.23.*', true],
    ['4.21.3', '>=3.20.3,<5.0.0dev,!=4.21.3', false],
    ['5.29.0', '>=3.20.3,<5.0.0dev', false],
    ['3.10', '>=3.9,<3.12', true],
    ['3.12', '>=3.9,<3.12', false],
    ['not-a-version', '>=1', false],
  ])('%s %s -> %s', (v, spec, expected) => {
    expect(satisfies(v, spec)).toBe(expected);
  });

  it.each([['2.20.1', '2.20'], ['2.21.0.dev20250818', '2.21'], ['3', '3.0'], ['x', null]])('majorMinor(%s) = %s', (v, mm) => {
    expect(majorMinor(v)).toBe(mm);
  });

  it.each([['>=2.16,<2.18', true], ['==0.23.*', true], ['banana', false]])('isValidSpecifier(%s) = %s', (s, ok) => {
    expect(isValidSpecifier(s)).toBe(ok);
  });
});

describe('satisfiesExcludingPre (PEP 440: pre-releases only when the specifier names one)', () => {
  it.each([
    ['2.20.0', '>=2.16', true],
    ['2.21.0.dev20250818', '>=2.16', false],
    ['2.21.0rc1', '>=2.21.0rc0', true],
    ['2.13.0+cpu', '>=2.9,<2.14', true],
    ['3.11.7', '>=3.10', true],
    ['not-a-version', '>=1', false],
    ['1.0', 'banana', false],
  ])('%s %s -> %s', (v, spec, expected) => {
    expect(satisfiesExcludingPre(v, spec)).toBe(expected);
  });

  it('compares and validates versions', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0')).toBe(0);
    expect(isValidVersion('2.21.0.dev20250818')).toBe(true);
    expect(isValidVersion('banana')).toBe(false);
  });
});
