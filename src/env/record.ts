// The file lists of installed distributions: RECORD (wheel installs, CSV `path,hash,size`) and
// installed-files.txt (setuptools .egg-info, paths relative to the .egg-info folder).
import { posix } from 'node:path';

/** Paths column of a RECORD, as written. Fields are quoted (CSV) only when a path holds a comma or a quote. */
export function parseRecord(text: string): string[] {
  const paths: string[] = [];
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line) continue;
    if (line.charCodeAt(0) === 34 /* " */) {
      paths.push(firstCsvField(line));
      continue;
    }
    const last = line.lastIndexOf(',');
    const cut = last > 0 ? line.lastIndexOf(',', last - 1) : -1;
    paths.push(cut >= 0 ? line.slice(0, cut) : line);
  }
  return paths;
}

function firstCsvField(line: string): string {
  let out = '';
  for (let i = 1; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (line[i + 1] === '"') { out += '"'; i++; continue; }
      return out;
    }
    out += c;
  }
  return out;
}

/** installed-files.txt paths, made relative to the site dir holding `eggInfoName` (like RECORD paths). */
export function parseInstalledFiles(text: string, eggInfoName: string): string[] {
  return text.split(/\r?\n/).filter(Boolean).map((p) => posix.normalize(`${eggInfoName}/${p.replace(/\\/g, '/')}`));
}
