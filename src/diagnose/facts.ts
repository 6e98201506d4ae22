// Questions about a snapshot that rules ask, answered with the matrix's families
// (tensorflow-cpu counts as tensorflow, tf-keras-nightly as tf-keras, ...).
import { normalizeName } from '../env/names.js';
import type { Distribution, EnvSnapshot } from '../env/types.js';
import type { Family, Matrix } from '../matrix/types.js';

interface FamilyIndex {
  byDist: Map<string, Family>;
  byName: Map<string, Family>;
}

// one index per loaded matrix: the lock solver builds a Facts for every candidate it judges
const familyIndexes = new WeakMap<Matrix, FamilyIndex>();

function familyIndex(matrix: Matrix): FamilyIndex {
  let idx = familyIndexes.get(matrix);
  if (!idx) {
    idx = { byDist: new Map(), byName: new Map() };
    for (const f of matrix.families) {
      idx.byName.set(f.name, f);
      for (const d of f.distributions) idx.byDist.set(d, f);
    }
    familyIndexes.set(matrix, idx);
  }
  return idx;
}

export class Facts {
  private readonly familyByDist: Map<string, Family>;
  private readonly familyByName: Map<string, Family>;

  constructor(readonly matrix: Matrix, readonly snapshot: EnvSnapshot) {
    const idx = familyIndex(matrix);
    this.familyByDist = idx.byDist;
    this.familyByName = idx.byName;
  }

  dist(name: string): Distribution | undefined {
    return this.snapshot.distributions[normalizeName(name)];
  }

  /** The installed distributions a condition's package name stands for: its family's, or itself. */
  providers(name: string): Distribution[] {
    const n = normalizeName(name);
    const family = this.familyByName.get(n);
    const names = family ? family.distributions : [n];
    return names.map((d) => this.dist(d)).filter((d): d is Distribution => d !== undefined);
  }

  /** The version the name stands for: the family's first installed member. */
  version(name: string): string | null {
    return this.providers(name)[0]?.version ?? null;
  }

  /** Import packages the matrix tracks (one per family). */
  trackedImports(): string[] {
    return [...new Set(this.matrix.families.map((f) => f.import))];
  }

  /** Every installed distribution that provides import package `imp` (by RECORD/top_level, or by family). */
  importProviders(imp: string): Distribution[] {
    return Object.values(this.snapshot.distributions).filter((d) =>
      d.importPackages.includes(imp) || this.familyByDist.get(d.name)?.import === imp);
  }

  /** Files (RECORD paths inside site-packages) that more than one distribution's RECORD lists, grouped by owner set. */
  recordOverlaps(): { owners: Distribution[]; files: string[] }[] {
    this.overlaps ??= this.computeRecordOverlaps();
    return this.overlaps;
  }

  private overlaps: { owners: Distribution[]; files: string[] }[] | undefined;

  private computeRecordOverlaps(): { owners: Distribution[]; files: string[] }[] {
    // only distributions that share a top-level entry can share a file: find those first (cheap),
    // then compare full paths within them
    const dists = Object.values(this.snapshot.distributions);
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
    const groups = new Map<string, { owners: Distribution[]; files: string[] }>();
    for (const [key, owners] of ownersByFile) {
      if (owners.length < 2) continue;
      const id = owners.map((o) => o.name).sort().join(',');
      const file = key.split('\0')[1]!;
      const g = groups.get(id);
      if (g) g.files.push(file); else groups.set(id, { owners, files: [file] });
    }
    return [...groups.values()];
  }
}
