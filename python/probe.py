# tfdoctor environment probe: run once by src/env/probe.ts, prints one JSON document on stdout.
# It must stay cheap (it is timed against `pip check`): no importlib.metadata, no pkg_resources,
# only plain reads of the metadata files. Compatible with Python 3.6+ (old envs get probed too).
import json
import os
import sys

PROBE_FORMAT = 1
ENV_VARS = ('TF_USE_LEGACY_KERAS', 'KERAS_BACKEND', 'PYTHONPATH', 'TF_CPP_MIN_LOG_LEVEL',
            'CUDA_VISIBLE_DEVICES', 'PYTHONNOUSERSITE')

# With --stats: every file and folder the probe reads or lists, with its stat taken BEFORE the read
# (src/env/snapshot-cache.ts trusts a cached snapshot only while all of them still stat the same,
# so a change during the probe shows up as a mismatch later). None: the path did not exist.
STATS = None


def stat_key(st):
    return '%d,%d,%d,%d' % (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_size)


def note_stat(path):
    if STATS is None or path in STATS:
        return
    try:
        STATS[path] = stat_key(os.stat(path))
    except OSError:
        STATS[path] = None


def read_headers(path):
    """Email-header fields of METADATA / PKG-INFO, up to the first blank line (the body is the long description)."""
    fields = {}
    requires = []
    note_stat(path)
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            key = None
            for line in f:
                if line in ('\n', '\r\n'):
                    break
                if line[0] in ' \t' and key is not None:
                    continue  # folded continuation (License, Description): not needed
                key, sep, value = line.partition(':')
                if not sep:
                    continue
                value = value.strip()
                if key == 'Requires-Dist':
                    requires.append(value)
                elif key not in fields:
                    fields[key] = value
    except OSError:
        return None, []
    return fields, requires


def read_text(path):
    note_stat(path)
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return None


def egg_requires(text):
    """requires.txt of an .egg-info: bare lines, then [extra] / [extra:marker] / [:marker] sections."""
    out = []
    marker = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('[') and line.endswith(']'):
            extra, _, cond = line[1:-1].partition(':')
            parts = []
            if extra:
                parts.append('extra == "%s"' % extra)
            if cond:
                parts.append('(%s)' % cond if extra else cond)
            marker = ' and '.join(parts) or None
            continue
        out.append('%s; %s' % (line, marker) if marker else line)
    return out


def distribution(location, entry):
    meta_dir = os.path.join(location, entry)
    note_stat(meta_dir)
    is_dist_info = entry.endswith('.dist-info')
    if is_dist_info:
        fields, requires = read_headers(os.path.join(meta_dir, 'METADATA'))
    elif os.path.isdir(meta_dir):
        fields, requires = read_headers(os.path.join(meta_dir, 'PKG-INFO'))
        req_text = read_text(os.path.join(meta_dir, 'requires.txt'))
        if req_text:
            requires = egg_requires(req_text)
    else:  # a single-file .egg-info is the PKG-INFO itself
        fields, requires = read_headers(meta_dir)
    stem = entry.rsplit('.', 1)[0]
    name = (fields or {}).get('Name') or stem.split('-')[0]
    version = (fields or {}).get('Version') or (stem.split('-')[1] if '-' in stem else '')
    record = None
    installer = None
    top_level = None
    if os.path.isdir(meta_dir):
        if is_dist_info:
            # RECORD is read and parsed by the caller (Node), in parallel: it is most of the bytes
            record = {'path': os.path.join(meta_dir, 'RECORD'), 'format': 'record'}
            note_stat(record['path'])
            installer_text = read_text(os.path.join(meta_dir, 'INSTALLER'))
            if installer_text is not None:
                installer = installer_text.strip() or None
        else:
            # paths relative to the .egg-info folder
            record = {'path': os.path.join(meta_dir, 'installed-files.txt'), 'format': 'installed-files'}
            note_stat(record['path'])
        tl = read_text(os.path.join(meta_dir, 'top_level.txt'))
        if tl is not None:
            top_level = [t.strip() for t in tl.splitlines() if t.strip()]
    return {
        'name': name,
        'version': version,
        'installer': installer,
        'location': location,
        'metadataDir': meta_dir,
        'record': record,
        'topLevel': top_level,
        'requires': requires,
        'requiresPython': (fields or {}).get('Requires-Python'),
    }


def scan(entries):
    dists = []
    seen_dirs = set()
    for location in entries:
        real = os.path.realpath(location) if location else location
        if not location or real in seen_dirs:
            continue
        seen_dirs.add(real)
        note_stat(location)
        try:
            names = sorted(os.listdir(location))
        except OSError:
            continue  # a zip, a missing dir, a file
        for entry in names:
            if entry.startswith('~'):
                continue  # leftovers of an interrupted pip run (pip ignores them too)
            if entry.endswith('.dist-info') or entry.endswith('.egg-info'):
                dists.append(distribution(location, entry))
    return dists


def build_site_path():
    """What site.main() would add to sys.path, without executing the code lines of .pth files.

    The probe runs under -S (site.py's .pth imports can cost more than the whole probe, and run
    arbitrary code); site.py's own functions give venv handling, prefixes and the user site.
    """
    import site
    known = set(os.path.normcase(os.path.abspath(p or '.')) for p in sys.path)
    base_prefixes = list(site.PREFIXES)
    venv_prefix, system_site = find_venv()
    if venv_prefix is not None:
        # what site.venv() does, minus its addsitepackages() call (which would run .pth code)
        sys.prefix = sys.exec_prefix = venv_prefix
        if not system_site:
            site.ENABLE_USER_SITE = False
    if site.ENABLE_USER_SITE is None:
        site.ENABLE_USER_SITE = site.check_enableusersite()
    user = None
    if site.ENABLE_USER_SITE:
        try:
            user = site.getusersitepackages()
        except AttributeError:
            user = None
    try:
        venv_dirs = list(site.getsitepackages([venv_prefix])) if venv_prefix is not None else []
        base_dirs = list(site.getsitepackages(base_prefixes)) if venv_prefix is None or system_site else []
    except (AttributeError, TypeError):
        venv_dirs, base_dirs = [], []  # very old virtualenv's site.py
    system = venv_dirs + [d for d in base_dirs if d not in venv_dirs]
    # site.main()'s order: the venv's site-packages, then the user site, then the base ones
    ordered = venv_dirs + ([user] if user else []) + [d for d in system if d not in venv_dirs]
    added = []
    for sitedir in ordered:
        note_stat(sitedir)
        if not os.path.isdir(sitedir):
            continue
        add_path(sitedir, known, added)
        try:
            pth_files = sorted(n for n in os.listdir(sitedir) if n.endswith('.pth') and not n.startswith('.'))
        except OSError:
            continue
        for name in pth_files:
            text = read_text(os.path.join(sitedir, name))
            for line in (text or '').splitlines():
                line = line.rstrip()
                if not line or line.startswith('#') or line.startswith(('import ', 'import\t')):
                    continue
                target = os.path.join(sitedir, line)
                note_stat(target)
                if os.path.exists(target):
                    add_path(target, known, added)
    return system, (user if user and os.path.isdir(user) else None), added


def find_venv():
    """(venv prefix, include-system-site-packages) from pyvenv.cfg, found where site.venv() looks."""
    executable = sys.executable
    if sys.platform == 'darwin' and '__PYVENV_LAUNCHER__' in os.environ:
        executable = os.environ['__PYVENV_LAUNCHER__']
    exe_dir = os.path.dirname(os.path.abspath(executable))
    site_prefix = os.path.dirname(exe_dir)
    for conf in (os.path.join(exe_dir, 'pyvenv.cfg'), os.path.join(site_prefix, 'pyvenv.cfg')):
        note_stat(conf)
        if os.path.isfile(conf):
            system_site = False
            for line in (read_text(conf) or '').splitlines():
                key, sep, value = line.partition('=')
                if sep and key.strip().lower() == 'include-system-site-packages':
                    system_site = value.strip().lower() == 'true'
            return site_prefix, system_site
    return None, False


def add_path(path, known, added):
    key = os.path.normcase(os.path.abspath(path))
    if key not in known:
        known.add(key)
        added.append(path)


def main():
    global STATS
    if '--stats' in sys.argv[1:]:
        STATS = {}
    here = os.path.normcase(os.path.dirname(os.path.abspath(__file__)))
    # sys.path[0] is this script's folder, not part of the user's environment
    base_path = [p for p in sys.path if os.path.normcase(os.path.abspath(p or '.')) != here]
    sys.path[:] = base_path
    site_packages, user_site, added = build_site_path()
    # tfdoctor reads <prefix>/conda-meta after the probe (conda envs): its state now is what counts
    note_stat(os.path.join(sys.prefix, 'conda-meta'))
    path = base_path + added
    if hasattr(os, 'uname'):
        machine = os.uname().machine  # what platform.machine() returns on POSIX, without importing platform
    else:
        import platform
        machine = platform.machine()
    doc = {
        'tfdoctorProbe': PROBE_FORMAT,
        'python': {
            'version': '%d.%d.%d' % sys.version_info[:3],
            'versionFull': sys.version.split()[0],
            'implementation': sys.implementation.name,
            'executable': sys.executable,
        },
        'platform': {'system': sys.platform, 'machine': machine},
        'prefix': sys.prefix,
        'basePrefix': getattr(sys, 'base_prefix', sys.prefix),
        'sitePackages': site_packages,
        'userSite': user_site,
        'sysPath': path,
        'envVars': dict((k, os.environ[k]) for k in ENV_VARS if k in os.environ),
        'distributions': scan(path),
    }
    if STATS is not None:
        doc['stats'] = STATS
    sys.stdout.write(json.dumps(doc, separators=(',', ':')))
    sys.stdout.write('\n')


if __name__ == '__main__':
    if sys.version_info[0] < 3:
        sys.stderr.write('tfdoctor needs Python 3; this is Python %d.%d\n' % sys.version_info[:2])
        sys.exit(3)
    main()
