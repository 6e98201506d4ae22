import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pep from '@renovatebot/pep440';
import { compareVersions, isPrerelease, isValidSpecifier, isValidVersion, majorMinor, normalizeVersion, plainSatisfies, satisfies, satisfiesExcludingPre, sortVersions } from '../../src/matrix/pep440.js';

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

describe('normalizeVersion / isPrerelease', () => {
  it.each([['1.0-1', '1.0.post1'], ['01.02RC1', '1.2rc1'], ['2.13.0+cpu', '2.13.0+cpu'], ['v1.0', '1.0'], ['banana', null]])('%s -> %s', (v, n) => {
    expect(normalizeVersion(v)).toBe(n);
  });
  it('pre and dev releases', () => {
    expect([isPrerelease('2.21.0.dev20250818'), isPrerelease('1.0rc1'), isPrerelease('1.0.post1'), isPrerelease('x')]).toEqual([true, true, false, false]);
  });
});

describe('sortVersions agrees with compareVersions', () => {
  // PEP 440's own example of the ordering, shuffled, plus epochs and local versions
  const pepExample = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
    '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1'];

  it('PEP 440 example order', () => {
    const shuffled = [...pepExample].reverse();
    shuffled.push(shuffled.shift()!);
    expect(sortVersions(shuffled)).toEqual(pepExample);
    expect(sortVersions(shuffled, 'desc')).toEqual([...pepExample].reverse());
  });

  it('epochs, trailing zeros, invalid versions last', () => {
    expect(sortVersions(['1!0.1', '2.0.0', '2', 'nope', '10.0'], 'desc').slice(0, 2)).toEqual(['1!0.1', '10.0']);
    expect(sortVersions(['nope', '1.0'])).toEqual(['1.0', 'nope']);
  });

  it('every version of the real PyPI pages in the fixtures', () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'pyindex', 'pypi');
    const versions = new Set<string>(pepExample);
    for (const f of readdirSync(root).filter((n) => n.endsWith('.json'))) {
      const page = JSON.parse(readFileSync(join(root, f), 'utf8')) as { versions: string[] };
      for (const v of page.versions) versions.add(v);
    }
    expect(versions.size).toBeGreaterThan(50);
    const byCompare = [...versions].sort(compareVersions);
    expect(sortVersions([...versions])).toEqual(byCompare);
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

describe('final releases (with or without a local label) are judged without the library, as the library judges them', () => {
  const versions = ['0', '1', '1.0', '1.0.0', '1.13', '1.13.0', '1.13.1', '1.14', '1.14.0.1', '1.2', '01.2', '2', '2.15.1', '2.16', '2.16.0', '2.20.0', '2.21', '10.0',
    '2.16.0+cpu', '2.16+cu121', '1.13+local.7', '1.0.0+abc-1', '2.13.0+CPU'];
  const targets = ['1', '1.0', '1.13', '1.13.0', '1.14', '2.16', '2.16.0', '2.21', '01.2', '10',
    '2.21.0.dev0', '2.16.0rc1', '1.13a2', '1.14b1', '2.16rc1.dev3', '2.21.dev0'];
  const specs = [
    '', ' ',
    ...['<', '<=', '>', '>=', '==', '!=', '~='].flatMap((op) => targets.map((t) => `${op}${t}`)),
    ...targets.flatMap((t) => [`==${t}.*`, `!=${t}.*`, `>= ${t}`]),
    '>=2.16,<2.21', '>=1.13,!=1.14.*', '~=1.13,!=1.13.1', '>=2.16, <2.21', '<1.14,>=1.13.0', '>=2.21.0.dev0,<2.22',
  ];

  it('agrees with @renovatebot/pep440 on every version and specifier of a grid', () => {
    let judged = 0;
    for (const v of versions) {
      for (const spec of specs) {
        const plain = plainSatisfies(v, spec);
        if (plain === undefined) continue;
        judged++;
        let library: boolean;
        try {
          library = spec.trim() ? pep.satisfies(v, spec) : pep.valid(v) !== null;
        } catch {
          library = false;
        }
        expect(plain, `${v} ${JSON.stringify(spec)}`).toBe(library);
      }
    }
    // most of the grid is judged by the fast path, not passed on (passed on: ~= and wildcards of a
    // pre-release, one-part ~=, > of a version's own pre-release)
    expect(judged).toBeGreaterThan(0.8 * versions.length * specs.length);
  });

  it('passes on what it does not judge: pre-, post- and dev versions, local specifiers, ===, a one-part ~=, malformed clauses', () => {
    for (const [v, spec] of [['2.21.0.dev20250818', '>=2.16'], ['1.0rc1', '<1.0'], ['1.0.post1', '>1.0'], ['1.0+cpu', '==1.0+cpu'],
      ['1.0', '===1.0'], ['1.0', '~=1'], ['1.0', '>=1.0,'], ['1.0', '>=1.0.post1'], ['1.0', '~=1.0rc1'], ['1.0', '<=1.*'], ['v1.0', '>=1']] as const) {
      expect(plainSatisfies(v, spec), `${v} ${spec}`).toBeUndefined();
    }
  });

  it('orders and splits final releases as before', () => {
    expect(sortVersions(['1.10', '1.9.1', '1.9', '01.2', '1.9.0', '2'])).toEqual(['01.2', '1.9', '1.9.0', '1.9.1', '1.10', '2']);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0', '1.0rc1')).toBeGreaterThan(0);
    expect(compareVersions('1.0', '1.0.post1')).toBeLessThan(0);
    expect(majorMinor('2')).toBe('2.0');
    expect(majorMinor('02.20.1')).toBe('2.20');
    expect(isValidVersion('1.2.3')).toBe(true);
  });
});
