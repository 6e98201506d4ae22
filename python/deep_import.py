# tfdoctor deep probe. Two modes, both run by src/env/deep-probe.ts:
#   deep_import.py MODULE   imports ONE module the way a user's script would and prints one JSON answer.
#   deep_import.py --serve  a fork server: reads a plan (JSON on stdin: jobs of {module, base}, timeout,
#                           concurrency), imports each shared base module (tensorflow, keras, ...) once,
#                           and forks one child per route module from the state that has exactly that job's
#                           base imported; every child's import fails or crashes on its own, and a crash is
#                           that module's answer. A base module whose import fails is never forked from: its
#                           jobs run from the state before it (a clean interpreter, at the root).
# Answers are JSON lines on the original stdout; whatever an import prints (Python or C level) goes
# elsewhere (stderr, or a per-module file in the server), so it cannot corrupt them.
import json
import os
import select
import signal
import sys
import tempfile
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
    # whole-file substring searches (C speed) over the RECORDs, a line start being the file start or a newline
    needles = [(rel + ',').encode('utf-8'), ('"' + rel + '",').encode('utf-8')]
    try:
        entries = os.listdir(site_dir)
    except OSError:
        return None
    for entry in sorted(entries):
        if not entry.endswith('.dist-info'):
            continue
        try:
            with open(os.path.join(site_dir, entry, 'RECORD'), 'rb') as f:
                data = f.read()
        except OSError:
            continue
        for needle in needles:
            if data.startswith(needle) or b'\n' + needle in data:
                return metadata_name(os.path.join(site_dir, entry))
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


def import_answer(module):
    """Imports `module` here and returns the answer document (never raises)."""
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
    return result


def drop_script_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or '.') == here:
        del sys.path[0]  # this script's folder is not part of the user's environment


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def main():
    module = sys.argv[1]
    drop_script_dir()
    answer = os.dup(1)
    os.dup2(2, 1)  # the import's own output goes to stderr
    result = import_answer(module)
    write_all(answer, (json.dumps(result) + '\n').encode('utf-8'))
    sys.stdout.flush()
    sys.stderr.flush()
    # skip interpreter teardown: some extension modules (TF) crash or hang at exit
    os._exit(0)


# ---- the fork server -------------------------------------------------------------------------

class Server:
    """What every process of the server tree shares: the answer pipe (under a one-token lock pipe),
    the job-token pipe that bounds how many imports run at once, the per-import timeout, a scratch dir."""

    def __init__(self, answer, timeout, concurrency, scratch):
        self.answer = answer
        self.timeout = timeout
        self.scratch = scratch
        self.tokens_r, self.tokens_w = os.pipe()
        self.lock_r, self.lock_w = os.pipe()
        os.set_blocking(self.tokens_r, False)
        os.write(self.tokens_w, b't' * max(1, concurrency))
        os.write(self.lock_w, b'l')

    def try_token(self):
        try:
            return os.read(self.tokens_r, 1) == b't'
        except BlockingIOError:
            return False

    def release_token(self):
        os.write(self.tokens_w, b't')

    def emit(self, doc):
        """One answer line; the lock keeps lines from different processes whole."""
        data = (json.dumps(doc) + '\n').encode('utf-8')
        os.read(self.lock_r, 1)
        try:
            write_all(self.answer, data)
        finally:
            os.write(self.lock_w, b'l')


def last_line_of(path):
    try:
        with open(path, 'rb') as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 8192))
            lines = [l.strip() for l in f.read().decode('utf-8', 'replace').splitlines() if l.strip()]
        return lines[-1] if lines else ''
    except OSError:
        return ''


def redirect_output(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return 'signal %d' % number


def run_level(server, loaded, jobs):
    """Runs in a process where exactly the base modules `loaded` are imported. Jobs whose base is
    `loaded` get a child each, forked here; the others are handed to a deeper level, a forked child
    that imports the next base module; if that import fails, those jobs run here instead."""
    here = [j for j in jobs if len(j['base']) <= len(loaded)]
    groups = {}
    for j in jobs:
        if len(j['base']) > len(loaded):
            groups.setdefault(j['base'][len(loaded)], []).append(j)
    levels = {}   # status fd -> {'pid', 'base', 'jobs'}
    children = {}  # pid -> {'module', 'fd', 'buf', 'out', 'started', 'killed'}
    reading = {}   # result fd -> pid

    for name, group in groups.items():
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(status_r)
            become_level(server, loaded, name, group, status_w)
            os._exit(0)
        os.close(status_w)
        levels[status_r] = {'pid': pid, 'base': name, 'jobs': group}

    level_pids = {level['pid'] for level in levels.values()}  # levels not yet reaped
    while here or children or levels or level_pids:
        while here and server.try_token():
            job = here.pop(0)
            result_r, result_w = os.pipe()
            out = os.path.join(server.scratch, '%s.%d.out' % (job['module'], os.getpid()))
            pid = os.fork()
            if pid == 0:
                os.close(result_r)
                redirect_output(out)
                result = import_answer(job['module'])
                write_all(result_w, (json.dumps(result) + '\n').encode('utf-8'))
                os._exit(0)
            os.close(result_w)
            os.set_blocking(result_r, False)  # a grandchild of the import may hold the other end
            children[pid] = {'module': job['module'], 'fd': result_r, 'buf': b'', 'out': out,
                             'started': time.monotonic(), 'killed': False}
            reading[result_r] = pid
        watch = list(reading) + list(levels) + ([server.tokens_r] if here else [])
        if watch:
            ready, _, _ = select.select(watch, [], [], 0.05)
        else:
            ready = []
            time.sleep(0.05)
        for fd in ready:
            if fd in reading:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if chunk:
                    children[reading[fd]]['buf'] += chunk
                else:
                    os.close(fd)
                    del reading[fd]
            elif fd in levels:
                status = os.read(fd, 1)
                level = levels.pop(fd)
                os.close(fd)
                if status != b'1':
                    # the base import failed (or the level died): never fork from that state
                    here.extend(level['jobs'])
        now = time.monotonic()
        for pid, child in children.items():
            if not child['killed'] and now - child['started'] > server.timeout:
                child['killed'] = True
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in children:
                child = children.pop(pid)
                server.release_token()
                if reading.get(child['fd']) == pid:  # still open (fd numbers are reused once closed)
                    try:
                        while True:
                            chunk = os.read(child['fd'], 65536)
                            if not chunk:
                                break
                            child['buf'] += chunk
                    except BlockingIOError:
                        pass
                    os.close(child['fd'])
                    del reading[child['fd']]
                server.emit(child_answer(child, status, time.monotonic() - child['started']))
            else:
                level_pids.discard(pid)
    return


def child_answer(child, status, seconds):
    """The answer of a finished import child: its own, or why it gave none."""
    text = child['buf'].decode('utf-8', 'replace').strip()
    if text.startswith('{'):
        try:
            doc = json.loads(text)
            if doc.get('module') == child['module']:
                return doc
        except ValueError:
            pass
    doc = {'module': child['module'], 'seconds': round(seconds, 3)}
    if child['killed']:
        doc['timedOut'] = True
    elif os.WIFSIGNALED(status):
        doc['crash'] = {'signal': signal_name(os.WTERMSIG(status))}
    else:
        doc['crash'] = {'exitCode': os.WEXITSTATUS(status)}
    tail = last_line_of(child['out'])
    if tail:
        doc['stderr'] = tail
    return doc


def freeze_heap():
    """Moves every object the base import made out of the collector's reach (gc.freeze, 3.7+): a child's
    garbage collection would otherwise walk, and so copy-on-write, the whole inherited heap (TensorFlow's
    is hundreds of MB) in each child. Objects are only never collected; no import behaves differently.
    No gc.collect() first: on that heap it costs more than the garbage it would free."""
    import gc
    if hasattr(gc, 'freeze'):
        gc.freeze()


def become_level(server, loaded, name, jobs, status_w):
    """In a forked child: import base module `name` (within the timeout), tell the parent whether it
    worked, and if so serve `jobs` from this state."""
    # no job token: base imports are few and one at a time per chain, and they are the long poles
    redirect_output(os.path.join(server.scratch, 'base-%s.%d.out' % (name, os.getpid())))
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, server.timeout)  # SIGALRM's default action ends a hang
    try:
        import importlib
        importlib.import_module(name)
        ok, error = True, None
    except BaseException as exc:  # noqa: BLE001
        ok, error = False, '%s: %s' % (type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else '')
    signal.setitimer(signal.ITIMER_REAL, 0)
    info = {'base': name, 'after': loaded, 'ok': ok, 'seconds': round(time.perf_counter() - started, 3)}
    if error:
        info['error'] = error
    server.emit(info)
    os.write(status_w, b'1' if ok else b'0')
    os.close(status_w)
    if ok:
        freeze_heap()
        run_level(server, loaded + [name], jobs)


def serve():
    drop_script_dir()
    plan = json.loads(sys.stdin.read())
    answer = os.dup(1)
    os.dup2(2, 1)
    scratch = tempfile.mkdtemp(prefix='tfdoctor-deep-')
    try:
        server = Server(answer, float(plan['timeout']), int(plan['concurrency']), scratch)
        if not hasattr(os, 'fork'):
            server.emit({'serving': False, 'reason': 'os.fork is not available'})
            return
        server.emit({'serving': True})
        run_level(server, [], plan['jobs'])
    finally:
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == '__main__':
    if sys.argv[1:] == ['--serve']:
        serve()
    else:
        main()
