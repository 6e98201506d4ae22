// A real PEP 503 package index on disk (file://), for running pip's resolver offline: each release
// is a minimal valid wheel (METADATA, WHEEL, RECORD, written by Python's zipfile) with its METADATA
// also served beside it as a PEP 658 `.metadata` file, so a dry run needs no wheel at all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface IndexRelease {
  name: string;
  version: string;
  requiresDist?: string[];
  requiresPython?: string;
  /** extras the release declares (Provides-Extra) */
  extras?: string[];
}

export interface LocalIndex {
  root: string;
  /** file:// URL of the simple/ folder, for --index-url */
  url: string;
  /** path of the wheel file of a release */
  wheel(name: string, version: string): string;
  remove(): void;
}

// Writes wheels, .metadata files and simple/<project>/index.html pages; prints nothing.
const BUILD = String.raw`
import base64, hashlib, html, json, os, re, sys, zipfile
root, releases = sys.argv[1], json.loads(sys.argv[2])
files = os.path.join(root, "files"); os.makedirs(files, exist_ok=True)
pages = {}
def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
for r in releases:
    dist = re.sub(r"[-_.]+", "_", r["name"])
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (r["name"], r["version"])
    if r.get("requiresPython"): meta += "Requires-Python: %s\n" % r["requiresPython"]
    for e in r.get("extras", []): meta += "Provides-Extra: %s\n" % e
    for d in r.get("requiresDist", []): meta += "Requires-Dist: %s\n" % d
    wheel_meta = "Wheel-Version: 1.0\nGenerator: tfdoctor-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    info = "%s-%s.dist-info" % (dist, r["version"])
    module = "%s/__init__.py" % dist.lower()
    entries = {module: b"", info + "/METADATA": meta.encode(), info + "/WHEEL": wheel_meta.encode()}
    def rec(path, data):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return "%s,sha256=%s,%d" % (path, digest, len(data))
    record = "\n".join([rec(p, d) for p, d in entries.items()] + [info + "/RECORD,,"]) + "\n"
    fname = "%s-%s-py3-none-any.whl" % (dist, r["version"])
    path = os.path.join(files, fname)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in entries.items(): z.writestr(p, d)
        z.writestr(info + "/RECORD", record)
    with open(path + ".metadata", "wb") as f: f.write(meta.encode())
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    msha = hashlib.sha256(meta.encode()).hexdigest()
    rp = ' data-requires-python="%s"' % html.escape(r["requiresPython"]) if r.get("requiresPython") else ""
    # PEP 658 spelling and its PEP 714 successor: older and newer pips each read one
    pages.setdefault(norm(r["name"]), []).append('<a href="../../files/%s#sha256=%s"%s data-dist-info-metadata="sha256=%s" data-core-metadata="sha256=%s">%s</a><br/>' % (fname, sha, rp, msha, msha, fname))
for project, links in pages.items():
    d = os.path.join(root, "simple", project); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<html><body>\n%s\n</body></html>\n" % "\n".join(links))
with open(os.path.join(root, "simple", "index.html"), "w") as f:
    f.write("<!DOCTYPE html>\n<html><body>\n%s\n</body></html>\n" % "\n".join('<a href="%s/">%s</a>' % (p, p) for p in sorted(pages)))
`;

export function buildLocalIndex(releases: IndexRelease[]): LocalIndex {
  const root = mkdtempSync(join(tmpdir(), 'tfdoctor-index-'));
  execFileSync('python3', ['-c', BUILD, root, JSON.stringify(releases)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    root,
    url: pathToFileURL(join(root, 'simple')).href + '/',
    wheel: (name, version) => join(root, 'files', `${name.replace(/[-_.]+/g, '_')}-${version}-py3-none-any.whl`),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The process environment without any pip setting: no PIP_* variables, no config files. */
export function isolatedPipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIP_')) env[k] = v;
  env.PIP_CONFIG_FILE = '/dev/null';
  return env;
}
