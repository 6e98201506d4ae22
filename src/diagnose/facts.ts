// Questions about a snapshot that rules ask, answered with the matrix's families
// (tensorflow-cpu counts as tensorflow, tf-keras-nightly as tf-keras, ...).
import { normalizeName } from '../env/names.js';
import { recordOverlaps } from '../env/overlaps.js';
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
    this.overlaps ??= (this.snapshot.recordOverlaps ?? recordOverlaps(Object.values(this.snapshot.distributions))).map((g) => ({
      owners: g.owners.map((n) => this.snapshot.distributions[n]).filter((d): d is Distribution => d !== undefined),
      files: g.files,
    }));
    return this.overlaps;
  }

  private overlaps: { owners: Distribution[]; files: string[] }[] | undefined;
}
