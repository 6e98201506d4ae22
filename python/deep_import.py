# tfdoctor deep probe: imports ONE module (argv[1]) the way a user's script would, then prints one
# JSON document on the original stdout. Whatever the import prints (Python or C level) is sent to
# stderr, so it cannot corrupt the answer. Run by src/env/deep-probe.ts, one process per module.
import json
import os
import sys
import time


def site_dirs():
    dirs = []
    try:
        import site
        dirs.extend(site.getsitepackages())
        if site.ENABLE_USER_SITE:
            dirs.append(site.getusersitepackages())
    except Exception:  # noqa: BLE001 - fall back to sys.path below
        pass
    for p in sys.path:
        if os.path.basename(p) in ('site-packages', 'dist-packages') and p not in dirs:
            dirs.append(p)
    return [os.path.abspath(d) for d in dirs]


def inside(path, dirs):
    path = os.path.abspath(path)
    for d in dirs:
        if path.startswith(d + os.sep):
            return d, os.path.relpath(path, d).replace(os.sep, '/')
    return None, None


def metadata_name(dist_info):
    try:
        with open(os.path.join(dist_info, 'METADATA'), encoding='utf-8', errors='replace') as f:
            for line in f:
                if line.strip() == '':
                    break
                if line.startswith('Name:'):
                    return line[5:].strip()
    except OSError:
        pass
    return os.path.basename(dist_info).split('-')[0]


def owning_distribution(site_dir, rel):
    """The distribution whose RECORD lists `rel` (a path relative to site_dir)."""
    needle = rel + ','
    try:
        entries = os.listdir(site_dir)
    except OSError:
        return None
    for entry in sorted(entries):
        if not entry.endswith('.dist-info'):
            continue
        try:
            with open(os.path.join(site_dir, entry, 'RECORD'), encoding='utf-8', errors='replace') as f:
                for line in f:
                    if line.startswith(needle) or line.startswith('"' + needle[:-1] + '",'):
                        return metadata_name(os.path.join(site_dir, entry))
        except OSError:
            continue
    return None


def innermost_site_frame(tb):
    dirs = site_dirs()
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        site_dir, rel = inside(code.co_filename, dirs)
        if site_dir is not None:
            found = (site_dir, rel, tb.tb_lineno, code.co_name, os.path.abspath(code.co_filename))
        tb = tb.tb_next
    if found is None:
        return None
    site_dir, rel, line, function, path = found
    frame = {'file': rel, 'path': path, 'line': line, 'function': function}
    dist = owning_distribution(site_dir, rel)
    if dist:
        frame['distribution'] = dist
    return frame


def import_like_from(dotted):
    """Imports a.b.c the way `from a.b import c` resolves it: a real submodule when there is one,
    else an attribute of the parent (lazily loaded packages such as tensorflow_probability expose
    `distributions` only that way, and load their real code on that access)."""
    import importlib
    parts = dotted.split('.')
    obj = importlib.import_module(parts[0])
    for i in range(1, len(parts)):
        name = '.'.join(parts[:i + 1])
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            obj = getattr(obj, parts[i])
    dir(obj)  # a lazy module object (tfp's LazyLoader) loads its real code on first attribute use
    return obj


def main():
    module = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or '.') == here:
        del sys.path[0]  # this script's folder is not part of the user's environment
    answer = os.dup(1)
    os.dup2(2, 1)  # the import's own output goes to stderr
    started = time.perf_counter()
    try:
        import_like_from(module)
        result = {'module': module, 'ok': True}
        top = sys.modules.get(module.split('.')[0])
        version = getattr(top, '__version__', None)
        if version is not None:
            result['version'] = str(version)
    except BaseException as exc:  # noqa: BLE001 - SystemExit from an import is a failure to report too
        import traceback
        text = str(exc)
        lines = [l for l in text.splitlines() if l.strip()]
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        error = {'type': type(exc).__name__, 'message': lines[0] if lines else '', 'lastLine': last}
        if isinstance(exc, ImportError) and getattr(exc, 'name', None):
            error['missingModule' if type(exc).__name__ == 'ModuleNotFoundError' else 'importName'] = exc.name
        frame = innermost_site_frame(exc.__traceback__)
        if frame:
            error['frame'] = frame
        result = {'module': module, 'ok': False, 'error': error}
    result['seconds'] = round(time.perf_counter() - started, 3)
    os.write(answer, (json.dumps(result) + '\n').encode('utf-8'))
    sys.stdout.flush()
    sys.stderr.flush()
    # skip interpreter teardown: some extension modules (TF) crash or hang at exit
    os._exit(0)


if __name__ == '__main__':
    main()
