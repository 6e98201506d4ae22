// The wheel platform tags a target accepts, written as pip's `--platform` values. pip expands a
// macosx_X_Y value to every older macOS itself, but takes manylinux_2_N values literally (pip 25.3,
// utils/compatibility_tags.py), so the linux list names every glibc level down to the oldest tag.
import type { PlannedPlatform } from '../env/markers.js';

/** glibc assumed for a Linux target that is not this machine (Debian 11 / Ubuntu 20.04 level). */
export const DEFAULT_TARGET_GLIBC = '2.31';
/** macOS assumed for a darwin target (pip expands it downwards). */
export const DEFAULT_TARGET_MACOS = '14.0';

export interface TagOptions {
  /** "2.36": the newest manylinux level the target's glibc runs */
  glibc?: string;
  /** "14.0" */
  macos?: string;
}

/** This machine's glibc version ("2.36"), or null when not on glibc Linux. */
export function hostGlibc(): string | null {
  if (process.platform !== 'linux') return null;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

// PEP 600 aliases of the legacy manylinux names (PEP 513, 571, 599)
const LEGACY_MANYLINUX: Record<number, string> = { 17: 'manylinux2014', 12: 'manylinux2010', 5: 'manylinux1' };

/** `--platform` values for the target, most specific first (pip prefers earlier ones). */
export function pipPlatformTags(platform: PlannedPlatform, opts: TagOptions = {}): string[] {
  const machine = platform.machine.toLowerCase();
  if (platform.system === 'linux') {
    const arch = machine === 'amd64' ? 'x86_64' : machine === 'arm64' ? 'aarch64' : machine;
    const glibc = opts.glibc ?? DEFAULT_TARGET_GLIBC;
    const m = /^2\.(\d+)$/.exec(glibc);
    if (!m) throw new Error(`glibc version "${glibc}" is not of the form 2.N`);
    const newest = Number(m[1]);
    // manylinux1 and manylinux2010 exist for x86_64 and i686 only; the others start at manylinux2014 (2.17)
    const oldest = arch === 'x86_64' || arch === 'i686' ? 5 : 17;
    const tags: string[] = [];
    for (let minor = newest; minor >= oldest; minor--) {
      tags.push(`manylinux_2_${minor}_${arch}`);
      const legacy = LEGACY_MANYLINUX[minor];
      if (legacy && (minor === 17 || arch === 'x86_64' || arch === 'i686')) tags.push(`${legacy}_${arch}`);
    }
    tags.push(`linux_${arch}`);
    return tags;
  }
  if (platform.system === 'darwin') {
    const arch = machine === 'aarch64' ? 'arm64' : machine === 'amd64' ? 'x86_64' : machine;
    const [major, minor = '0'] = (opts.macos ?? DEFAULT_TARGET_MACOS).split('.');
    // pip expands this to older macOS versions and to universal2 / intel fat binaries itself
    return [`macosx_${major}_${minor}_${arch}`];
  }
  if (platform.system === 'win32') {
    if (machine === 'amd64' || machine === 'x86_64') return ['win_amd64'];
    if (machine === 'arm64' || machine === 'aarch64') return ['win_arm64'];
    if (machine === 'x86' || machine === 'i686') return ['win32'];
  }
  throw new Error(`no wheel platform tags are known for ${platform.system}-${platform.machine}`);
}
