// pip's --platform values per target: pip takes manylinux_2_N literally (it expands only the legacy
// manylinux2014/2010 names and macosx), so every glibc level down to the oldest tag must be listed.
import { describe, expect, it } from 'vitest';
import { pipPlatformTags } from '../../src/lock/platform-tags.js';

describe('pipPlatformTags', () => {
  it('lists every manylinux level of an x86_64 glibc, newest first, with the legacy aliases in place', () => {
    const tags = pipPlatformTags({ system: 'linux', machine: 'x86_64' }, { glibc: '2.28' });
    expect(tags.slice(0, 2)).toEqual(['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64']);
    // ai-edge-litert 2.1.0 ships manylinux_2_27 only: leaving that level out made pip miss it
    expect(tags).toContain('manylinux_2_27_x86_64');
    expect(tags.indexOf('manylinux2014_x86_64')).toBe(tags.indexOf('manylinux_2_17_x86_64') + 1);
    expect(tags.indexOf('manylinux2010_x86_64')).toBe(tags.indexOf('manylinux_2_12_x86_64') + 1);
    expect(tags.at(-2)).toBe('manylinux1_x86_64');
    expect(tags.at(-1)).toBe('linux_x86_64');
    expect(tags).toHaveLength(24 + 3 + 1); // 2_28 .. 2_5, three legacy names, linux_x86_64
  });

  it('starts aarch64 at manylinux2014 (glibc 2.17)', () => {
    const tags = pipPlatformTags({ system: 'linux', machine: 'aarch64' }, { glibc: '2.31' });
    expect(tags[0]).toBe('manylinux_2_31_aarch64');
    expect(tags.slice(-3)).toEqual(['manylinux_2_17_aarch64', 'manylinux2014_aarch64', 'linux_aarch64']);
    expect(tags.some((t) => t.includes('manylinux1') || t.includes('manylinux2010'))).toBe(false);
  });

  it('gives one macosx value (pip expands it) and the Windows tags', () => {
    expect(pipPlatformTags({ system: 'darwin', machine: 'arm64' }, { macos: '14.0' })).toEqual(['macosx_14_0_arm64']);
    expect(pipPlatformTags({ system: 'darwin', machine: 'x86_64' }, { macos: '12.3' })).toEqual(['macosx_12_3_x86_64']);
    expect(pipPlatformTags({ system: 'win32', machine: 'AMD64' })).toEqual(['win_amd64']);
    expect(pipPlatformTags({ system: 'win32', machine: 'ARM64' })).toEqual(['win_arm64']);
  });

  it('refuses a glibc it cannot read and a platform it does not know', () => {
    expect(() => pipPlatformTags({ system: 'linux', machine: 'x86_64' }, { glibc: 'musl' })).toThrow(/glibc version "musl"/);
    expect(() => pipPlatformTags({ system: 'freebsd', machine: 'amd64' })).toThrow(/no wheel platform tags/);
  });
});
