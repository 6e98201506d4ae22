// Files that more than one distribution's RECORD lists (two packages writing the same module: the
// last install wins, and uninstalling either breaks the other). Computed from the file lists, by the
// rules on demand or in advance by the env snapshot cache, which stores the answer instead of the lists.
import type { Distribution, RecordOverlap } from './types.js';

/** The overlaps among `dists` (the snapshot's distributions, not the shadowed ones), grouped by owner set. */
export function recordOverlaps(dists: readonly Distribution[]): RecordOverlap[] {
  // only distributions that share a top-level entry can share a file: find those first (cheap),
  // then compare full paths within them
  const ownersOfTop = new Map<string, Set<Distribution>>();
  for (const d of dists) {
    let prevTop = '';
    for (const raw of d.files) {
      // RECORD lists a package's files together: skip the Map work while the top entry repeats
      if (prevTop && raw.length > prevTop.length && raw.charCodeAt(prevTop.length) === 47 && raw.startsWith(prevTop)) continue;
      const slash = raw.indexOf('/');
      const top = slash < 0 ? raw : raw.slice(0, slash);
      prevTop = top;
      if (top === '..' || top === '' || top === '__pycache__') continue;
      const key = `${d.location ?? ''}\0${top}`;
      const set = ownersOfTop.get(key);
      if (set) set.add(d); else ownersOfTop.set(key, new Set([d]));
    }
  }
  const ownersByFile = new Map<string, Distribution[]>();
  for (const [topKey, owners] of ownersOfTop) {
    if (owners.size < 2) continue;
    const [location, top] = topKey.split('\0') as [string, string];
    for (const d of owners) {
      const seen = new Set<string>();
      for (const raw of d.files) {
        if (raw !== top && !raw.startsWith(`${top}/`)) continue;
        // only files inside the sys.path entry; metadata folders are per-distribution by design
        if (raw.startsWith('..') || raw.startsWith('/') || /\.(dist|egg)-info\//.test(raw) || raw.includes('__pycache__/')) continue;
        const key = `${location}\0${raw}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = ownersByFile.get(key);
        if (list) list.push(d); else ownersByFile.set(key, [d]);
      }
    }
  }
  const groups = new Map<string, RecordOverlap>();
  for (const [key, owners] of ownersByFile) {
    if (owners.length < 2) continue;
    const names = owners.map((o) => o.name);
    const id = [...names].sort().join(',');
    const file = key.split('\0')[1]!;
    const g = groups.get(id);
    if (g) g.files.push(file); else groups.set(id, { owners: names, files: [file] });
  }
  return [...groups.values()];
}
